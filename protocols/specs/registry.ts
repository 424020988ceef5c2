import type { ProtocolName } from "../names.ts";
import type { ProtocolSpec } from "../spec.ts";
import { dutchAuctionSpec, englishAuctionSpec } from "./auction.ts";
import { contractNetSpec, iteratedContractNetSpec } from "./contract-net.ts";
import { proposeSpec } from "./propose.ts";
import { brokeringSpec, recruitingSpec } from "./proxy.ts";
import { querySpec } from "./query.ts";
import { requestWhenSpec } from "./request-when.ts";
import { requestSpec } from "./request.ts";
import { subscribeSpec } from "./subscribe.ts";

/** The spec of every protocol, by name. */
export const SPECS: Readonly<Record<ProtocolName, ProtocolSpec>> = {
  "fipa-request": requestSpec,
  "fipa-query": querySpec,
  "fipa-request-when": requestWhenSpec,
  "fipa-contract-net": contractNetSpec,
  "fipa-iterated-contract-net": iteratedContractNetSpec,
  "fipa-brokering": brokeringSpec,
  "fipa-recruiting": recruitingSpec,
  "fipa-subscribe": subscribeSpec,
  "fipa-propose": proposeSpec,
  "fipa-auction-english": englishAuctionSpec,
  "fipa-auction-dutch": dutchAuctionSpec,
};
