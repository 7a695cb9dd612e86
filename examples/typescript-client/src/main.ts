// A customer's walk through shopgraph with the typed client:
//
//   1. signs up (or uses SHOPGRAPH_TOKEN);
//   2. pages through a category's catalog, cheapest first, following `endCursor`;
//   3. orders one unit of the cheapest product in stock;
//   4. subscribes to the order's status changes over WebSocket;
//   5. has the order marked paid (with SHOPGRAPH_ADMIN_TOKEN) and then cancels it itself,
//      reading each change from the subscription;
//   6. reads `me` and finds the order there, cancelled;
//   7. refetches the order by its global id alone, through `node`.
//
// Every step is checked: any GraphQL error, wrong answer or wait past the time limit ends the
// script with a message and exit status 1. On success it prints a short summary.
//
// Environment:
//   SHOPGRAPH_URL             GraphQL over HTTP (default http://127.0.0.1:8000/graphql)
//   SHOPGRAPH_TOKEN           a customer's token (default: sign up a new customer)
//   SHOPGRAPH_ADMIN_TOKEN     an admin's token, to mark the order paid (optional)
//   SHOPGRAPH_CATEGORY        the category to browse (default kitchen, as in `shopgraph seed`)
//   SHOPGRAPH_MAX_PRICE_CENTS the dearest price to list (default 100000)
//   SHOPGRAPH_PAGE_SIZE       products per page (default 2)
//   SHOPGRAPH_TIMEOUT_MS      time limit of each request and wait (default 10000)

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, Shopgraph } from './client.js';
import type { CatalogPageQuery, MeQuery, OrderStatus } from './gql/graphql.js';
import {
  cancelOrderMutation,
  catalogPageQuery,
  createOrderMutation,
  markOrderPaidMutation,
  meQuery,
  orderStatusChangedSubscription,
  refetchOrderQuery,
  signupMutation,
} from './operations.js';

type CatalogProduct = CatalogPageQuery['products']['edges'][number]['node'];
type Me = NonNullable<MeQuery['me']>;

/** A failed expectation. */
class Mismatch extends Error {
  override name = 'Mismatch';
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Mismatch(message);
}

function env(name: string, fallback: string): string {
  const value = process.env[name]?.trim();
  return value ? value : fallback;
}

function positiveInteger(name: string, fallback: number): number {
  const text = env(name, String(fallback));
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Mismatch(`${name} must be a positive integer, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** A `DateTime` (an RFC 3339 string) as a Date; a string that is not one is a mismatch. */
function instant(value: string, what: string): Date {
  const date = new Date(value);
  check(!Number.isNaN(date.getTime()), `${what} is not a timestamp: ${JSON.stringify(value)}`);
  return date;
}

function cents(value: number): string {
  return `${(value / 100).toFixed(2)}`;
}

/** Every product of `category` up to `maxPriceCents`, page by page, checking the pages agree. */
async function catalog(
  shop: Shopgraph,
  category: string,
  maxPriceCents: number,
  pageSize: number,
): Promise<{ products: CatalogProduct[]; pages: number }> {
  const products: CatalogProduct[] = [];
  const cursors = new Set<string>();
  let after: string | null = null;
  let totalCount: number | undefined;
  let pages = 0;
  for (;;) {
    const page: CatalogPageQuery = await shop.execute(catalogPageQuery, {
      first: pageSize,
      after,
      category,
      maxPriceCents,
    });
    pages += 1;
    const { edges, pageInfo } = page.products;
    totalCount ??= page.products.totalCount;
    check(
      page.products.totalCount === totalCount,
      `totalCount changed while paging: ${totalCount} then ${page.products.totalCount}`,
    );
    check(edges.length <= pageSize, `page ${pages} has ${edges.length} products, more than first: ${pageSize}`);
    for (const { cursor, node } of edges) {
      check(!cursors.has(cursor), `cursor ${cursor} came twice`);
      cursors.add(cursor);
      check(node.priceCents <= maxPriceCents, `${node.sku} costs ${node.priceCents}, over ${maxPriceCents}`);
      const previous = products.at(-1);
      check(
        previous === undefined || previous.priceCents <= node.priceCents,
        `not cheapest first: ${previous?.sku} (${previous?.priceCents}) before ${node.sku} (${node.priceCents})`,
      );
      products.push(node);
    }
    if (!pageInfo.hasNextPage) break;
    check(pageInfo.endCursor != null, `page ${pages} has a next page but no endCursor`);
    check(edges.length > 0, `page ${pages} is empty but says there is a next page`);
    check(pages < 10_000, 'more than 10,000 pages: the cursor does not advance');
    after = pageInfo.endCursor;
  }
  check(
    products.length === totalCount,
    `paging found ${products.length} products, totalCount says ${totalCount}`,
  );
  return { products, pages };
}

async function main(): Promise<string> {
  const timeoutMs = positiveInteger('SHOPGRAPH_TIMEOUT_MS', 10_000);
  const anonymous = new Shopgraph({ url: env('SHOPGRAPH_URL', 'http://127.0.0.1:8000/graphql'), timeoutMs });
  const category = env('SHOPGRAPH_CATEGORY', 'kitchen');
  const maxPriceCents = positiveInteger('SHOPGRAPH_MAX_PRICE_CENTS', 100_000);
  const pageSize = positiveInteger('SHOPGRAPH_PAGE_SIZE', 2);
  const adminToken = process.env.SHOPGRAPH_ADMIN_TOKEN?.trim() || undefined;

  // 1. A customer.
  let customer: Shopgraph;
  let fresh = false;
  const givenToken = process.env.SHOPGRAPH_TOKEN?.trim();
  if (givenToken) {
    customer = anonymous.as(givenToken);
  } else {
    const email = `ts-client-${Date.now()}-${randomUUID().slice(0, 8)}@example.com`;
    const { signup } = await anonymous.execute(signupMutation, {
      email,
      name: 'TypeScript Client',
      password: randomUUID(),
    });
    check(signup.token.length > 0, 'signup returned an empty token');
    customer = anonymous.as(signup.token);
    fresh = true;
  }

  // 2. The catalog, page by page.
  const { products, pages } = await catalog(customer, category, maxPriceCents, pageSize);
  const product = products.find((p) => p.stock > 0);
  check(
    product !== undefined,
    `no product of category ${JSON.stringify(category)} up to ${maxPriceCents} cents is in stock ` +
      `(${products.length} listed)`,
  );

  // 3. An order of the cheapest one in stock.
  const { createOrder: order } = await customer.execute(createOrderMutation, {
    productId: product.id,
    quantity: 1,
  });
  check(order.status === 'PENDING', `a new order is ${order.status}, not PENDING`);
  check(order.itemCount === 1, `the order has ${order.itemCount} units, not 1`);
  check(
    order.totalCents === product.priceCents,
    `the order totals ${order.totalCents} cents, the product costs ${product.priceCents}`,
  );
  const createdAt = instant(order.createdAt, 'createOrder.createdAt');

  // 4. Its status changes, over WebSocket.
  const socket = customer.connect();
  const expected: OrderStatus[] = adminToken ? ['PAID', 'CANCELLED'] : ['CANCELLED'];
  const seen: OrderStatus[] = [];
  try {
    const changes = socket.subscribe(orderStatusChangedSubscription, { orderId: order.id });
    // graphql-transport-ws acknowledges the connection but not a subscription: once the
    // socket is up, give the server a moment to start it before the first change (a change
    // before then would not be sent).
    await socket.connected();
    await sleep(500);

    // 5. Paid by the shop (when we may), then cancelled by the customer.
    const changeTo = async (status: OrderStatus): Promise<void> => {
      const changed =
        status === 'PAID' && adminToken
          ? (await customer.as(adminToken).execute(markOrderPaidMutation, { id: order.id })).updateOrderStatus
          : (await customer.execute(cancelOrderMutation, { id: order.id })).cancelOrder;
      check(changed.status === status, `the mutation left the order ${changed.status}, not ${status}`);
      const { orderStatusChanged: event } = await changes.next();
      check(event.id === order.id, `an event of order ${event.id}, not ${order.id}`);
      check(event.status === status, `the event says ${event.status}, not ${status}`);
      const updatedAt = instant(event.updatedAt, 'orderStatusChanged.updatedAt');
      check(updatedAt >= createdAt, `updatedAt ${event.updatedAt} is before createdAt ${order.createdAt}`);
      seen.push(event.status);
    };
    for (const status of expected) await changeTo(status);
    await changes.stop();
  } finally {
    await socket.close();
  }

  // 6. The customer's view: the order is there, cancelled, as it was placed.
  const { me } = await customer.execute(meQuery);
  check(me != null, '`me` is null for a signed-in customer');
  // Private fields are null where the caller may not read them; a customer may read their own.
  check(me.orders != null, '`me.orders` is null for the customer themself');
  const listed = me.orders.nodes.find((o) => o.id === order.id);
  check(listed !== undefined, `order ${order.id} is not among me.orders (newest first)`);
  check(listed.status === 'CANCELLED', `me.orders has the order ${listed.status}, not CANCELLED`);
  check(listed.totalCents === order.totalCents, `me.orders totals ${listed.totalCents}, not ${order.totalCents}`);
  check(
    instant(listed.createdAt, 'me.orders.createdAt').getTime() === createdAt.getTime(),
    `me.orders has createdAt ${listed.createdAt}, createOrder said ${order.createdAt}`,
  );
  const [line, ...otherLines] = listed.items;
  check(line !== undefined && otherLines.length === 0, `the order has ${listed.items.length} lines, not 1`);
  check(line.quantity === 1, `the line has quantity ${line.quantity}, not 1`);
  check(line.unitPriceCents === product.priceCents, `the line's unit price is ${line.unitPriceCents}`);
  check(line.product.name === product.name, `the line is for ${line.product.name}, not ${product.name}`);
  if (fresh) {
    // A new customer's only order was cancelled, and its points taken back.
    check(me.pointsBalance == null || me.pointsBalance === 0, `points left after the cancellation: ${me.pointsBalance}`);
  }

  // 7. The same order again by its global id alone, as a Relay or Apollo cache refetches it.
  const { node } = await customer.execute(refetchOrderQuery, { id: order.id });
  check(node != null, `node(id: ${order.id}) is null for the order's own customer`);
  check(node.__typename === 'Order', `node(id: ${order.id}) is a ${node.__typename}, not an Order`);
  check(node.id === order.id, `node(id: ${order.id}) answered id ${node.id}`);
  check(node.status === 'CANCELLED', `node(id: ${order.id}) has status ${node.status}`);

  return summary(me, products.length, pages, product, order.id, createdAt, seen);
}

function summary(
  me: Me,
  listed: number,
  pages: number,
  product: CatalogProduct,
  orderId: string,
  createdAt: Date,
  statuses: readonly OrderStatus[],
): string {
  return [
    `customer ${me.id} ${me.name} <${me.email ?? '(hidden)'}>, tier ${me.tier ?? '(hidden)'}, ` +
      `${me.pointsBalance ?? '(hidden)'} points`,
    `catalog: ${listed} products in ${pages} page${pages === 1 ? '' : 's'}; cheapest in stock ${product.sku} ${product.name} ` +
      `at ${cents(product.priceCents)}`,
    `order ${orderId} placed ${createdAt.toISOString()}; over WebSocket: PENDING → ${statuses.join(' → ')}`,
    'OK',
  ].join('\n');
}

// A hard stop for anything the per-step limits did not catch (an open handle, a hung loop).
const deadline = setTimeout(() => {
  console.error('FAIL: the whole run took more than 120 s');
  process.exit(1);
}, 120_000);
deadline.unref();

main().then(
  (text) => {
    console.log(text);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`FAIL: ${describeError(error)}`);
    process.exit(1);
  },
);
