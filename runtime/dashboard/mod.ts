/**
 * The web dashboard every node serves at `/dashboard`: static HTML, CSS and ES modules (no
 * build step, no CDN). It shows the cluster's members and leader, the agents of the whole
 * cluster from the replicated directory, and a live view of messages, conversations,
 * migrations and cluster changes from the event WebSocket. The route that serves it is
 * `runtime/http/routes/dashboard.ts`.
 * @module
 */
export {
  DASHBOARD_ASSETS,
  DASHBOARD_CSP,
  DASHBOARD_PATHS,
  type DashboardAsset,
  loadDashboardAssets,
  type LoadedAsset,
} from "./assets.ts";
