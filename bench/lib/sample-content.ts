/**
 * The content of the message the HTTP benchmarks send (about 250 bytes of JSON), one copy for
 * every benchmark so their figures compare.
 */
export const SAMPLE_CONTENT = {
  action: "process",
  data: { key: "value", list: [1, 2, 3], text: "x".repeat(200) },
} as const;

/** The body the `http-messages` benchmark POSTs to `/api/v1/messages` (430 bytes). */
export const MESSAGES_BODY = JSON.stringify({
  performative: "request",
  sender: "client_001",
  receiver: "sink",
  content: SAMPLE_CONTENT,
  conversation_id: "conv_789",
  reply_with: "msg_001",
  language: "json",
  protocol: "fipa-request",
});

/** The body the `agents` benchmark POSTs to `/api/v1/messages/send-and-wait` (to `echo`). */
export const SEND_AND_WAIT_BODY = JSON.stringify({
  performative: "request",
  receiver: "echo",
  content: SAMPLE_CONTENT,
  language: "json",
});
