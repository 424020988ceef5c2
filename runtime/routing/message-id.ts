/** A fresh message id: `msg_` and 128 random bits in hex. */
export function newMessageId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}
