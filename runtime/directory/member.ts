import { z } from "zod";
import { NodeIdSchema } from "./agent-record.ts";

/** Raft roles of a cluster member: voters count for quorum, learners only replicate. */
export const MEMBER_ROLES = ["voter", "learner"] as const;

/** A member's Raft role. */
export type MemberRole = typeof MEMBER_ROLES[number];

/** Whether `s` is the standard base64 encoding of exactly 32 bytes (a raw Ed25519 key). */
export function isEd25519PublicKeyBase64(s: string): boolean {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(s)) return false;
  try {
    return atob(s).length === 32;
  } catch {
    return false;
  }
}

/** Schema of a raw Ed25519 public key in standard base64 (44 characters). */
export const PublicKeySchema = z
  .string()
  .refine(isEd25519PublicKeyBase64, {
    error: (i) =>
      `public key must be base64 of 32 raw Ed25519 bytes, got ${JSON.stringify(i.input)}`,
  });

/** Schema of a cluster member. */
export const MemberSchema = z.strictObject({
  id: NodeIdSchema,
  /** Multiaddrs or URLs the member listens on. */
  addresses: z.array(z.string().min(1).max(1024)).max(32),
  public_key: PublicKeySchema,
  role: z.enum(MEMBER_ROLES),
});

/** A node of the cluster, with the key its migration snapshots are verified against. */
export type Member = z.output<typeof MemberSchema>;
