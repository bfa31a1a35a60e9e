// Usage: node send.mjs <webhook-url> <mode>
// mode: ok (text + blocks), empty (no text, no blocks), text (text only).
// Prints one JSON line: {"ok":true,"status":200,"text":"ok"} or {"ok":false,"status":404,"text":"no_service","code":"…"}.
import { IncomingWebhook } from '@slack/webhook';

const [url, mode = 'ok'] = process.argv.slice(2);
if (!url) {
  console.error('usage: node send.mjs <webhook-url> <ok|empty|text>');
  process.exit(2);
}

const messages = {
  ok: {
    text: 'REQ0010010 needs approval',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Approval needed: REQ0010010' } },
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Requested for:*\nAbel Tuter' }] },
    ],
  },
  text: { text: 'plain text message' },
  empty: { text: '' },
};
if (!(mode in messages)) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}

const webhook = new IncomingWebhook(url, { timeout: 10000 });
try {
  const result = await webhook.send(messages[mode]);
  console.log(JSON.stringify({ ok: true, status: 200, text: result.text }));
} catch (error) {
  // @slack/webhook 8 throws IncomingWebhookHTTPError {statusCode, body}; older majors wrapped an axios error.
  const response = error.original?.response;
  console.log(JSON.stringify({
    ok: false,
    status: error.statusCode ?? response?.status ?? 0,
    text: error.body ?? (typeof response?.data === 'string' ? response.data : String(error.message)),
    code: error.code ?? null,
  }));
}
