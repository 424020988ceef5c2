/** A fresh message id: `msg_` and 128 random bits in hex. */
export function newMessageId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * The message id a message from another platform is stored under when its sender gave it an
 * id (the envelope's `X-message-id`, repeated on retries): `mtp_` and 128 bits of the
 * SHA-256 of the sender's name, that id and the envelope's receivers. A retry of the message
 * gets the same id, so the outbox and the receivers' duplicate marks drop it; two senders, or
 * one id sent to different receivers, never share an id, and no such id is a `msg_` one.
 */
export async function foreignMessageId(
  sender: string,
  id: string,
  receivers: readonly string[],
): Promise<string> {
  const names = [...new Set(receivers)].sort();
  const bytes = new TextEncoder().encode(JSON.stringify([sender, id, names]));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (let i = 0; i < 16; i++) hex += digest[i].toString(16).padStart(2, "0");
  return `mtp_${hex}`;
}
