// A small typed transport: queries and mutations over HTTP with Node's `fetch`, subscriptions
// over WebSocket with graphql-ws. Both take the typed documents of operations.ts, so results
// and variables are checked by the compiler.

import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentString } from './gql/graphql.js';

/** One error of a GraphQL response, as shopgraph sends it. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A response with errors (or without data), or an HTTP failure. */
export class GraphQLRequestError extends Error {
  constructor(
    readonly operation: string,
    readonly errors: readonly GraphQLErrorEntry[],
    readonly status?: number,
  ) {
    const codes = errors.map((e) => `${e.message}${e.extensions?.code ? ` [${e.extensions.code}]` : ''}`);
    super(`${operation}: ${codes.join('; ') || 'no data'}${status ? ` (HTTP ${status})` : ''}`);
    this.name = 'GraphQLRequestError';
  }
}

/** The variables argument: none for operations without variables. */
type VariablesArgs<TVariables> = [TVariables] extends [{ [key: string]: never }]
  ? []
  : [variables: TVariables];

/** The name of the first operation in a document, for messages. */
function operationName(document: string): string {
  return /\b(?:query|mutation|subscription)\s+(\w+)/.exec(document)?.[1] ?? 'anonymous operation';
}

/** An error's message with its causes (`fetch failed` says why only in its cause). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = `${error.name}: ${error.message}`;
  for (let cause = error.cause, depth = 0; cause !== undefined && depth < 5; depth += 1) {
    text += ` (cause: ${cause instanceof Error ? cause.message : String(cause)})`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/** A CloseEvent (or whatever graphql-ws passed on) as `code reason`. */
function closeReason(event: unknown): string {
  if (typeof event === 'object' && event !== null && 'code' in event) {
    const { code, reason } = event as { code: unknown; reason?: unknown };
    return `${String(code)} ${String(reason ?? '')}`.trim();
  }
  return String(event);
}

/** Rejects with a clear message when `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ShopgraphOptions {
  /** The GraphQL endpoint over HTTP, e.g. `http://127.0.0.1:8000/graphql`. */
  url: string;
  /** Time limit of one request or wait, in milliseconds. */
  timeoutMs: number;
}

/** A shopgraph endpoint, as an anonymous caller or with a bearer token. */
export class Shopgraph {
  constructor(
    readonly options: ShopgraphOptions,
    readonly token?: string,
  ) {}

  /** The same endpoint as the holder of `token`. */
  as(token: string): Shopgraph {
    return new Shopgraph(this.options, token);
  }

  /** Runs a query or mutation; throws on HTTP failure, on any GraphQL error, or without data. */
  async execute<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    ...[variables]: VariablesArgs<TVariables>
  ): Promise<TResult> {
    const query = document.toString();
    const operation = operationName(query);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables: variables ?? {} }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const text = await response.text();
    let body: { data?: TResult | null; errors?: GraphQLErrorEntry[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new GraphQLRequestError(operation, [{ message: `not JSON: ${text.slice(0, 200)}` }], response.status);
    }
    if (body.errors?.length || body.data == null) {
      throw new GraphQLRequestError(operation, body.errors ?? [], response.ok ? undefined : response.status);
    }
    if (!response.ok) {
      throw new GraphQLRequestError(operation, [{ message: 'data with a failed status' }], response.status);
    }
    return body.data;
  }

  /** The WebSocket endpoint beside the HTTP one: shopgraph serves it at `/graphql/ws`. */
  get socketUrl(): string {
    const url = new URL(this.options.url);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.pathname = `${url.pathname.replace(/\/$/, '')}/ws`;
    return url.toString();
  }

  /**
   * A graphql-transport-ws connection. The token goes in `connection_init`'s payload as
   * `{ Authorization: 'Bearer <token>' }` (a browser cannot set headers on a WebSocket);
   * a bad one closes the socket with 4403.
   */
  connect(): SubscriptionConnection {
    const token = this.token;
    const client = createClient({
      url: this.socketUrl,
      webSocketImpl: WebSocket,
      connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
      connectionAckWaitTimeout: this.options.timeoutMs,
      // An example must not hide a broken connection behind retries.
      retryAttempts: 0,
      lazy: true,
    });
    return new SubscriptionConnection(client, this.options.timeoutMs);
  }
}

/** One WebSocket, carrying any number of subscriptions. */
export class SubscriptionConnection {
  private readonly acknowledged: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly timeoutMs: number,
  ) {
    this.acknowledged = new Promise<void>((resolve, reject) => {
      client.on('connected', () => resolve());
      client.on('closed', (event) => reject(new Error(`the WebSocket closed before connection_ack: ${closeReason(event)}`)));
    });
    // Seen by whoever awaits `connected()`; not an unhandled rejection otherwise.
    this.acknowledged.catch(() => {});
  }

  /** Resolves once the server has acknowledged `connection_init` (the first subscription opens the socket). */
  connected(): Promise<void> {
    return withTimeout(this.acknowledged, this.timeoutMs, 'connection_ack');
  }

  /**
   * Starts a subscription. Its events are read with `next()`, each within the time limit;
   * an error from the server (e.g. NOT_FOUND for an order the caller may not see) rejects.
   */
  subscribe<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    ...[variables]: VariablesArgs<TVariables>
  ): Subscription<TResult> {
    const query = document.toString();
    const operation = operationName(query);
    const iterator = this.client.iterate<TResult>({
      query,
      variables: (variables ?? {}) as Record<string, unknown>,
    });
    return {
      next: async () => {
        const step = await withTimeout(iterator.next(), this.timeoutMs, `an event of ${operation}`).catch(
          (reason: unknown) => {
            // graphql-ws rejects with the CloseEvent when the server closes the socket (4403: the
            // token is refused or the caller's rights ended).
            if (reason instanceof Error) throw reason;
            throw new Error(`${operation}: the WebSocket closed: ${closeReason(reason)}`);
          },
        );
        if (step.done) throw new Error(`${operation} ended before its next event`);
        const { data, errors } = step.value;
        if (errors?.length || data == null) {
          throw new GraphQLRequestError(operation, (errors ?? []) as GraphQLErrorEntry[]);
        }
        return data;
      },
      stop: async () => {
        await iterator.return?.();
      },
    };
  }

  /** Closes the WebSocket. */
  async close(): Promise<void> {
    await this.client.dispose();
  }
}

export interface Subscription<TResult> {
  /** The next event's data, within the connection's time limit. */
  next(): Promise<TResult>;
  /** Ends the subscription (sends `complete`). */
  stop(): Promise<void>;
}
