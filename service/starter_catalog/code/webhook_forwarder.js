// After Publish: forwards every message published on the input channel to a webhook.
// The webhook's URL (required) and an optional API key are read from the vault.
export default async (request) => {
  const xhr = require('xhr');
  const vault = require('vault');

  const url = await vault.get('WEBHOOK_URL');
  if (!url) {
    console.error('webhook forwarder: the vault has no WEBHOOK_URL; nothing forwarded');
    return request.ok();
  }
  const apiKey = await vault.get('WEBHOOK_API_KEY');
  const headers = { 'Content-Type': 'application/json' };
  if (apiKey) {
    headers.Authorization = `Bearer ${apiKey}`;
  }
  const body = JSON.stringify({
    channel: request.channels[0],
    message: request.message,
    meta: request.meta || null,
  });
  try {
    const response = await xhr.fetch(url, { method: 'POST', headers, body });
    if (response.status >= 400) {
      console.error(`webhook forwarder: ${url} answered ${response.status}`);
    }
  } catch (error) {
    console.error('webhook forwarder: the request failed', error);
  }
  // After Publish cannot change the message: the publish has happened either way.
  return request.ok();
};
