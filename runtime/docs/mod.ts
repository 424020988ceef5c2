/**
 * The API reference every node serves at `/docs`: Swagger UI rendering `/openapi.json`. The
 * page comes from `@hono/swagger-ui`; its script and stylesheet are read at run time from the
 * `swagger-ui-dist` npm package the lock file pins and served by the node itself (nothing
 * from the internet). The route is `runtime/http/routes/docs.ts`.
 * @module
 */
export {
  DOCS_ASSETS,
  DOCS_PATH,
  loadDocsAssets,
  SWAGGER_UI_VERSION,
  swaggerUiFile,
} from "./assets.ts";
export { type DocsPage, docsPage } from "./page.ts";
