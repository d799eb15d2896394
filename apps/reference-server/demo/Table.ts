/**
 * Plain-text tables for the demo's terminal output: a header row, a rule,
 * and cells padded to the widest value of each column. Cells may hold
 * several lines (one action per line); rows are then as tall as their
 * tallest cell.
 */

/** One column: its header and how to read a row's cell (each string one line). */
export interface Column<Row> {
  readonly header: string
  readonly cell: (row: Row) => string | ReadonlyArray<string>
}

const linesOf = (value: string | ReadonlyArray<string>): ReadonlyArray<string> =>
  typeof value === "string" ? value.split("\n") : value.length === 0 ? [""] : value

/** Renders rows under their headers, columns separated by two spaces, each line indented by `indent`. */
export const render = <Row>(columns: ReadonlyArray<Column<Row>>, rows: ReadonlyArray<Row>, indent = "  "): string => {
  const cells = rows.map((row) => columns.map((column) => linesOf(column.cell(row))))
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((row) => Math.max(...(row[index] ?? [""]).map((line) => line.length))))
  )
  const line = (values: ReadonlyArray<string>) =>
    `${indent}${values.map((value, index) => value.padEnd(widths[index] ?? 0)).join("  ")}`.trimEnd()
  const out = [line(columns.map((column) => column.header)), line(widths.map((width) => "-".repeat(width)))]
  for (const row of cells) {
    const height = Math.max(...row.map((lines) => lines.length))
    for (let index = 0; index < height; index++) out.push(line(row.map((lines) => lines[index] ?? "")))
  }
  return out.join("\n")
}

/** Breaks text into lines of at most `width` characters at spaces (a longer word keeps its own line). */
export const wrap = (text: string, width = 96): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let current = ""
  for (const word of text.split(/\s+/).filter((part) => part !== "")) {
    if (current !== "" && current.length + 1 + word.length > width) {
      lines.push(current)
      current = word
    } else {
      current = current === "" ? word : `${current} ${word}`
    }
  }
  if (current !== "" || lines.length === 0) lines.push(current)
  return lines
}
