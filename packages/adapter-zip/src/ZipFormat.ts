/**
 * Numbers of the zip format (PKWARE APPNOTE) that both the writer and the
 * reader use.
 */

export const localHeaderSignature = 0x04034b50
export const centralHeaderSignature = 0x02014b50
export const endOfCentralDirectorySignature = 0x06054b50
/** General purpose flag bit 11: the name is UTF-8. */
export const utf8NameFlag = 0x0800
