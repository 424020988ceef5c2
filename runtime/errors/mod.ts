/**
 * Errors shared by every layer: the API error codes and {@link ApiError}.
 * @module
 */
export { ERROR_STATUS, type ErrorCode } from "./codes.ts";
export { ApiError, type ErrorBody, errorBody, type ErrorDetails } from "./api-error.ts";
