import type { AgentIdentifier } from "../acl/mod.ts";
import type { AgentRecord } from "./agent-record.ts";
import type { DfAgentDescription, DfTemplate } from "./df-description.ts";
import type { Member } from "./member.ts";
import {
  type AgentPage,
  findAgentsByService,
  getAgent,
  getRegistration,
  listAgents,
  type ListAgentsOptions,
  listMembers,
  type SearchOptions,
  searchServices,
} from "./queries.ts";
import type { DirectoryState } from "./state.ts";

/**
 * Read access to a directory, as the AMS/DF handlers and the HTTP layer need it. A shell
 * can implement it over a local replica or over linearizable reads. Agent names, in
 * arguments and templates, may be given as the directory keys them or in full
 * (`echo@<platform>`): the reader maps them with {@link DirectoryReader.key}.
 */
export interface DirectoryReader {
  /**
   * The directory's key of an agent name: the local name (`echo`) for this platform's agents,
   * so that `echo` and `echo@<platform>` are one agent; another platform's name unchanged.
   */
  key(name: string): string;
  getAgent(name: string): AgentRecord | undefined;
  listAgents(opts?: ListAgentsOptions): AgentPage;
  getRegistration(name: string): DfAgentDescription | undefined;
  searchServices(template: DfTemplate, opts?: SearchOptions): DfAgentDescription[];
  findAgentsByService(
    service: string | { name?: string; type?: string },
    opts?: SearchOptions,
  ): AgentIdentifier[];
  listMembers(): Member[];
}

/** Options of {@link directoryReader}. */
export interface DirectoryReaderOptions {
  /**
   * The local name an agent name of this platform stands for (`undefined`: another
   * platform's name); without it, names are keys as given.
   */
  localName?: (name: string) => string | undefined;
}

/** A {@link DirectoryReader} over a local state (reads see every command applied so far). */
export function directoryReader(
  state: DirectoryState,
  opts: DirectoryReaderOptions = {},
): DirectoryReader {
  const key = (name: string) => opts.localName?.(name) ?? name;
  const keyed = (t: DfTemplate): DfTemplate =>
    t.name === undefined ? t : { ...t, name: { ...t.name, name: key(t.name.name) } };
  return {
    key,
    getAgent: (name) => getAgent(state, key(name)),
    listAgents: (opts) => listAgents(state, opts),
    getRegistration: (name) => getRegistration(state, key(name)),
    searchServices: (template, opts) => searchServices(state, keyed(template), opts),
    findAgentsByService: (service, opts) => findAgentsByService(state, service, opts),
    listMembers: () => listMembers(state),
  };
}
