// Prints every message event of one integration as it happens, through
// the GraphQL subscription messageEvents and the graphql-ws client, until
// Ctrl-C. Browsers cannot send an Authorization header on a websocket, so
// the API key travels in the connection_init payload.
//
//   npm ci
//   node watch.mjs http://localhost:8080/graphql <api key> <integration id>
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [endpoint, key, integrationId] = process.argv.slice(2);
if (!endpoint || !key || !integrationId) {
  console.error('usage: node watch.mjs <graphql url> <api key> <integration id>');
  process.exit(2);
}

const client = createClient({
  url: endpoint.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${key}` },
  on: { connected: () => console.error('subscribed; waiting for messages…') },
});

client.subscribe(
  {
    query: `subscription($id: ID!) {
      messageEvents(integrationId: $id) {
        kind status errorCode resync
        message { direction type text }
      }
    }`,
    variables: { id: integrationId },
  },
  {
    next: (value) => console.log(JSON.stringify(value.errors ?? value.data.messageEvents)),
    error: (err) => {
      console.error('error:', err && err.reason !== undefined ? `${err.code} ${err.reason}` : JSON.stringify(err));
      process.exit(1);
    },
    complete: () => process.exit(0),
  },
);
