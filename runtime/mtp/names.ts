/** The FIPA name of the ACL string representation (SC00070), the one this MTP reads and writes. */
export const ACL_STRING_REPRESENTATION = "fipa.acl.rep.string.std";

/** The FIPA name of the XML envelope representation (SC00085). */
export const XML_ENVELOPE_REPRESENTATION = "fipa.mts.env.rep.xml.std";

/**
 * The envelope's user-defined parameter that carries the sender's id of a message (SC00085
 * `<user-defined href="X-message-id">`): the same on every retry of that message, so the
 * receiving platform can drop a retry it already took. Ours write it; `/acc` reads it.
 */
export const MESSAGE_ID_PARAM = "X-message-id";

/** The FIPA name of the HTTP message transport protocol (SC00084). */
export const HTTP_MTP_NAME = "fipa.mts.mtp.http.std";
