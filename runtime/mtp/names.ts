/** The FIPA name of the ACL string representation (SC00070), the one this MTP reads and writes. */
export const ACL_STRING_REPRESENTATION = "fipa.acl.rep.string.std";

/** The FIPA name of the XML envelope representation (SC00085). */
export const XML_ENVELOPE_REPRESENTATION = "fipa.mts.env.rep.xml.std";

/** The FIPA name of the HTTP message transport protocol (SC00084). */
export const HTTP_MTP_NAME = "fipa.mts.mtp.http.std";
