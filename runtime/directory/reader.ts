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
 * can implement it over a local replica or over linearizable reads.
 */
export interface DirectoryReader {
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

/** A {@link DirectoryReader} over a local state (reads see every command applied so far). */
export function directoryReader(state: DirectoryState): DirectoryReader {
  return {
    getAgent: (name) => getAgent(state, name),
    listAgents: (opts) => listAgents(state, opts),
    getRegistration: (name) => getRegistration(state, name),
    searchServices: (template, opts) => searchServices(state, template, opts),
    findAgentsByService: (service, opts) => findAgentsByService(state, service, opts),
    listMembers: () => listMembers(state),
  };
}
