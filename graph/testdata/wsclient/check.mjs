// Subscribes to messageEvents with the graphql-ws reference client and
// prints the first event's data as JSON, then exits 0. Any error, early
// completion or timeout exits non-zero.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const { GQL_URL, GQL_KEY, GQL_INTEGRATION } = process.env;
const timer = setTimeout(() => {
  console.error('timeout: no event');
  process.exit(2);
}, 30000);

const client = createClient({
  url: GQL_URL,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${GQL_KEY}` },
  retryAttempts: 0,
  lazy: false,
  on: { connected: () => console.log(JSON.stringify({ connected: true })) },
});

client.subscribe(
  {
    query: `subscription($i: ID!) { messageEvents(integrationId: $i) { kind status message { direction text } } }`,
    variables: { i: GQL_INTEGRATION },
  },
  {
    next: (value) => {
      if (value.errors) {
        console.error(JSON.stringify(value.errors));
        process.exit(1);
      }
      console.log(JSON.stringify(value.data));
      clearTimeout(timer);
      client.dispose();
      process.exit(0);
    },
    error: (err) => {
      console.error('error:', err && err.reason !== undefined ? `${err.code} ${err.reason}` : JSON.stringify(err));
      process.exit(1);
    },
    complete: () => {
      console.error('completed before any event');
      process.exit(1);
    },
  },
);
