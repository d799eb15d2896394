/** The html tag escapes every interpolated value; only markup it built itself passes through. */
import { assert, describe, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { escape, formatAge, html } from "../../src/console/Html.js"

describe("html", () => {
  it("escapes text in element and attribute positions", () => {
    const userId = `"><script>alert('x')</script>&`
    assert.strictEqual(
      html`<a title="${userId}">${userId}</a>`.text,
      `<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</a>`
    )
  })

  it("keeps nested markup, joins lists, drops null, undefined and false", () => {
    const items = ["a<b", "c"].map((item) => html`<li>${item}</li>`)
    assert.strictEqual(html`<ul>${items}${null}${undefined}${false}</ul>`.text, "<ul><li>a&lt;b</li><li>c</li></ul>")
  })

  it("never lets an interpolated string open a tag or end an attribute (property)", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.string(), (text) => {
        const out = html`<p title="${text}">${text}</p>`.text
        const inner = out.slice('<p title="'.length, out.length - "</p>".length)
        return !/[<>"'`]/.test(inner.replace('">', "")) && escape(text).length >= text.length
      })
    )
  })

  it("formats ages for people", () => {
    assert.deepStrictEqual(
      [formatAge(10_000), formatAge(5 * 60_000), formatAge(125 * 60_000), formatAge(50 * 3600_000)],
      ["under a minute", "5 min", "2 h 5 min", "2 d 2 h"]
    )
  })
})
