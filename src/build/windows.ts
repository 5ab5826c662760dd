/** Windows image details ko writes (ko-behaviour 5.6, 5.7, 5.10). */

/**
 * The `MSWINDOWS.rawsd` PAX record value (a security descriptor: owner and group
 * BUILTIN\Users) that Windows needs to execute files from a layer.
 */
export const WINDOWS_RAWSD =
  "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==";
