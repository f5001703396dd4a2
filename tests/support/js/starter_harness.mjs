// Runs the starter catalog's functions as the Functions runtime would: ES modules whose
// default export takes the request, with require('vault' | 'kvstore' | 'xhr') stubbed.
// Prints one JSON line of what each function did.
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [codeFolder] = process.argv.slice(2);
const counters = {};
const vault = { BLOCKED_WORDS: 'heck, darn', WEBHOOK_URL: 'https://example.test/hook', WEBHOOK_API_KEY: 'k1' };
const fetched = [];
globalThis.require = (name) => ({
  vault: { get: async (key) => vault[key] },
  kvstore: { incrCounter: async (key, by) => (counters[key] = (counters[key] || 0) + by) },
  xhr: { fetch: async (url, options) => { fetched.push({ url, ...options }); return { status: 200 }; } },
})[name];

const folder = await mkdtemp(join(tmpdir(), 'starter-'));
const load = async (name) => {
  const target = join(folder, `${name}.mjs`);
  await copyFile(join(codeFolder, `${name}.js`), target);
  return (await import(target)).default;
};
function ok() { return { ok: true }; }

const filter = await load('profanity_filter');
const chat = { message: { text: 'What the HECK, darn it; checkers' }, ok };
await filter(chat);
const plain = { message: 'heck', ok };
await filter(plain);

const forward = await load('webhook_forwarder');
await forward({ message: { a: 1 }, channels: ['webhooks.orders'], ok });

const hello = await load('hello');
const response = { headers: {}, send(body) { return { status: this.status, body, headers: this.headers }; } };
const answered = await hello({ params: { name: 'Ada' } }, response);

console.log(JSON.stringify({ masked: [chat.message.text, plain.message], counters, fetched, answered }));
