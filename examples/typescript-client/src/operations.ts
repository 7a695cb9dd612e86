// The operations this client sends, each written once with `graphql()`. `npm run codegen`
// reads them (and checks them against ../../schema.graphql) and generates src/gql/, where
// `graphql()` is overloaded so each call returns its document typed with the operation's
// result and variables: a field that is not in the schema, or a variable of the wrong type,
// fails `npm run codegen` or `npm run typecheck`.
//
// Input objects and enum values are written inline where they are fixed, so the operations
// do not name input or enum types (whose names may change without the API changing).

import { graphql } from './gql/index.js';

/** Signs up a new customer; the token goes in `Authorization: Bearer <token>`. */
export const signupMutation = graphql(`
  mutation Signup($email: String!, $name: String!, $password: String!) {
    signup(email: $email, name: $name, password: $password) {
      token
      user {
        id
        name
      }
    }
  }
`);

/**
 * One page of a category's products up to a price, cheapest first. Pass the previous page's
 * `pageInfo.endCursor` as `after` for the next one (see `catalog()` in main.ts).
 */
export const catalogPageQuery = graphql(`
  query CatalogPage($first: Int!, $after: String, $category: String!, $maxPriceCents: Int!) {
    products(
      first: $first
      after: $after
      filter: { category: { eq: $category }, priceCents: { lte: $maxPriceCents } }
      orderBy: { field: PRICE_CENTS, direction: ASC }
    ) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          sku
          slug
          name
          priceCents
          stock
        }
      }
    }
  }
`);

/** The signed-in customer, with their latest orders (newest first). */
export const meQuery = graphql(`
  query Me {
    me {
      id
      name
      email
      pointsBalance
      tier
      orders(first: 5) {
        nodes {
          id
          status
          totalCents
          createdAt
          items {
            quantity
            unitPriceCents
            product {
              name
            }
          }
        }
      }
    }
  }
`);

/** Places an order of one product for the caller. */
export const createOrderMutation = graphql(`
  mutation CreateOrder($productId: ID!, $quantity: Int!) {
    createOrder(input: { items: [{ productId: $productId, quantity: $quantity }] }) {
      id
      status
      totalCents
      itemCount
      createdAt
    }
  }
`);

/** Marks an order paid (admins only). */
export const markOrderPaidMutation = graphql(`
  mutation MarkOrderPaid($id: ID!) {
    updateOrderStatus(id: $id, status: PAID) {
      id
      status
      updatedAt
    }
  }
`);

/** Cancels an order: its customer (for their own order) or an admin. */
export const cancelOrderMutation = graphql(`
  mutation CancelOrder($id: ID!) {
    cancelOrder(id: $id) {
      id
      status
      updatedAt
    }
  }
`);

/** Every status change of one order, over WebSocket (graphql-transport-ws). */
export const orderStatusChangedSubscription = graphql(`
  subscription OrderStatusChanged($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) {
      id
      status
      updatedAt
    }
  }
`);

// Refetch by global id (Relay's Global Object Identification): any object's `id` finds it
// again through `node`, whatever its type.
export const refetchOrderQuery = graphql(`
  query RefetchOrder($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Order {
        status
        totalCents
        updatedAt
      }
    }
  }
`);
