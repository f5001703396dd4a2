// Before Publish: masks blocked words in a message's text before subscribers see it.
// The words are a comma-separated list in the vault (BLOCKED_WORDS); the number of messages
// masked is counted in the KV store (profanity_filter_masked).
const DEFAULT_WORDS = 'darn,heck,frak';

const escapeForRegExp = (word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const mask = (text, words) =>
  words.reduce(
    (masked, word) =>
      masked.replace(new RegExp(`\\b${escapeForRegExp(word)}\\b`, 'gi'), (found) =>
        '*'.repeat(found.length),
      ),
    text,
  );

export default async (request) => {
  const vault = require('vault');
  const db = require('kvstore');

  const configured = (await vault.get('BLOCKED_WORDS')) || DEFAULT_WORDS;
  const words = configured
    .split(',')
    .map((word) => word.trim())
    .filter((word) => word.length > 0);

  const message = request.message;
  const isText = typeof message === 'string';
  const text = isText ? message : message && message.text;
  if (typeof text !== 'string' || words.length === 0) {
    return request.ok();
  }
  const masked = mask(text, words);
  if (masked !== text) {
    if (isText) {
      request.message = masked;
    } else {
      request.message.text = masked;
    }
    await db.incrCounter('profanity_filter_masked', 1);
  }
  return request.ok();
};
