/**
 * Server-rendered HTML without a framework: the {@link html} tag escapes
 * every interpolated value (text and attribute contexts alike), so a user id,
 * a reviewer's note or an explanation can never become markup. Only values
 * that are already {@link SafeHtml} (built by this tag) pass through.
 *
 * @example
 * html`<td>${userId}</td>` // "<td>&lt;script&gt;</td>" for userId "<script>"
 */

/** Markup built by {@link html}; the only thing that is inserted unescaped. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

const replacements: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" }

/** Escapes text for HTML text and quoted attribute values. */
export const escape = (text: string): string => text.replace(/[&<>"'`]/g, (char) => replacements[char] ?? char)

/** A value that may be interpolated: text, numbers, markup, lists of those, or nothing. */
export type Interpolation = SafeHtml | string | number | boolean | null | undefined | ReadonlyArray<Interpolation>

const render = (value: Interpolation): string => {
  if (value === null || value === undefined || value === false) return ""
  if (value instanceof SafeHtml) return value.text
  if (Array.isArray(value)) return value.map(render).join("")
  return escape(String(value))
}

/** The tag: literal parts stay, interpolations are escaped (see the module comment). */
export const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<Interpolation>): SafeHtml =>
  new SafeHtml(strings.reduce((out, literal, index) => out + literal + (index < values.length ? render(values[index] as Interpolation) : ""), ""))

/** "3 min", "2 h 5 min", "4 d 1 h": an age for people. */
export const formatAge = (millis: number): string => {
  const minutes = Math.max(0, Math.floor(millis / 60_000))
  if (minutes < 1) return "under a minute"
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours} h ${minutes % 60} min`
  return `${Math.floor(hours / 24)} d ${hours % 24} h`
}

/** An ISO 8601 UTC time, to the second. */
export const formatTime = (epochMillis: number): string => new Date(epochMillis).toISOString().replace(/\.\d{3}Z$/, "Z")
