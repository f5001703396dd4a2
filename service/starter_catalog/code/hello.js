// On Request: answers GET .../hello?name=Ada with a JSON greeting, and counts the greetings
// in the KV store (hello_greetings).
export default async (request, response) => {
  const db = require('kvstore');

  const name = (request.params && request.params.name) || 'world';
  const count = await db.incrCounter('hello_greetings', 1);
  response.status = 200;
  response.headers['Content-Type'] = 'application/json';
  return response.send(JSON.stringify({ greeting: `Hello, ${name}!`, count }));
};
