/**
 * Where callbacks may be sent. A callback URL is chosen by whoever calls
 * prep upload, so without a policy the server could be made to POST into its
 * own network (server-side request forgery): a cloud metadata service, an
 * admin port on loopback, a database on a private subnet.
 *
 * The check, in order:
 * 1. the URL parses and its scheme is `http:` or `https:`;
 * 2. the host is resolved (`node:dns` `lookup`, every address) unless it is an
 *    IP literal, and EVERY address is classified; one refused address refuses
 *    the URL (a name resolving to a public and a private address is an attack
 *    or a mistake);
 * 3. the connection is then made to the checked address itself (see
 *    {@link pinnedLookup}), so a second DNS answer cannot swap in another
 *    address between the check and the connection (DNS rebinding).
 *
 * Address classes refused unless the policy allows them: loopback
 * (127/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
 * (169.254/16, fe80::/10) and metadata (169.254.169.254, fd00:ec2::254).
 * Always refused: unspecified (0.0.0.0/8, ::, which reach the local host on
 * Linux) and multicast/broadcast (no single receiver). IPv4 addresses written
 * as IPv6 (`::ffff:10.0.0.1`, NAT64 `64:ff9b::a00:1`) are judged as the IPv4
 * address they carry.
 */
import * as Dns from "node:dns"
import * as Net from "node:net"
import { Effect, Schema } from "effect"

/** What an address is, for the policy. */
export type AddressClass = "public" | "loopback" | "private" | "linkLocal" | "metadata" | "unspecified" | "multicast"

/** The classes a policy may choose to allow (the others are never reachable). */
export type AllowableClass = "loopback" | "private" | "linkLocal" | "metadata"

/** Which destinations deliveries may reach. */
export interface OutboundPolicy {
  /** URL schemes allowed, with their colon: `["https:"]` for production, `["http:", "https:"]` by default. */
  readonly schemes: ReadonlyArray<"http:" | "https:">
  /** Address classes allowed besides public addresses. */
  readonly allow: ReadonlyArray<AllowableClass>
}

/** The default: http(s) to public addresses only. */
export const strict: OutboundPolicy = { schemes: ["http:", "https:"], allow: [] }

/**
 * For evaluating the server on one machine: loopback is allowed too, so a
 * partner endpoint on `http://127.0.0.1:8080` receives callbacks. Private
 * networks and metadata stay refused.
 */
export const localEvaluation: OutboundPolicy = { schemes: ["http:", "https:"], allow: ["loopback"] }

/** Why a callback URL is refused; `detail` says what to change. */
export class DestinationRefused extends Schema.TaggedError<DestinationRefused>()("DestinationRefused", {
  reason: Schema.Literal("InvalidUrl", "Scheme", "Address", "Unresolvable"),
  url: Schema.String,
  detail: Schema.String,
  /** The resolver's error code (`ENOTFOUND`, `EAI_AGAIN`) when the host did not resolve. */
  code: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return this.detail
  }
}

/** A destination that passed the policy: the URL and the checked address to connect to. */
export interface CheckedDestination {
  readonly url: URL
  /** The address the connection must go to. */
  readonly address: string
  readonly family: 4 | 6
}

// ---------------------------------------------------------------------------
// Classification (pure)

/** The bytes of an IP address (4 or 16), or `undefined` if `text` is not one. A zone (`%eth0`) is ignored. */
export const parseAddress = (text: string): Uint8Array | undefined => {
  const address = text.replace(/^\[|\]$/g, "").replace(/%.*$/, "")
  const kind = Net.isIP(address)
  if (kind === 4) return Uint8Array.from(address.split(".").map(Number))
  if (kind !== 6) return undefined
  // Expand an embedded dotted IPv4 tail into two hextets, then "::".
  let text6 = address
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text6)
  if (dotted?.[1] !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split(".").map(Number)
    text6 = text6.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = "", tail] = text6.split("::")
  const headGroups = head === "" ? [] : head.split(":")
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":")
  const groups = tail === undefined
    ? headGroups
    : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups]
  const bytes = new Uint8Array(16)
  groups.forEach((group, index) => {
    const value = Number.parseInt(group, 16)
    bytes[index * 2] = value >> 8
    bytes[index * 2 + 1] = value & 0xff
  })
  return bytes
}

const startsWith = (bytes: Uint8Array, prefix: ReadonlyArray<number>, bits: number): boolean => {
  for (let bit = 0; bit < bits; bit++) {
    const byte = bit >> 3
    const mask = 0x80 >> (bit & 7)
    if (((bytes[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false
  }
  return true
}

const classifyIpv4 = (bytes: Uint8Array): AddressClass => {
  const [a = 0, b = 0, c = 0, d = 0] = bytes
  if (a === 169 && b === 254 && c === 169 && d === 254) return "metadata"
  if (a === 0) return "unspecified"
  if (a === 127) return "loopback"
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private"
  if (a === 169 && b === 254) return "linkLocal"
  if (a >= 224) return "multicast" // 224/4 multicast, 240/4 reserved, 255.255.255.255 broadcast
  return "public"
}

const metadataIpv6 = parseAddress("fd00:ec2::254")

/** The class of an IP address given as text; `undefined` when it is not an IP address. */
export const classify = (text: string): AddressClass | undefined => {
  const bytes = parseAddress(text)
  if (bytes === undefined) return undefined
  if (bytes.length === 4) return classifyIpv4(bytes)
  // IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96): judge the IPv4 address they carry.
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96) || startsWith(bytes, [0, 0x64, 0xff, 0x9b], 96)) {
    return classifyIpv4(bytes.slice(12))
  }
  if (metadataIpv6 !== undefined && bytes.every((byte, index) => byte === metadataIpv6[index])) return "metadata"
  if (bytes.every((byte) => byte === 0)) return "unspecified"
  if (bytes.slice(0, 15).every((byte) => byte === 0) && bytes[15] === 1) return "loopback"
  if (startsWith(bytes, [0xfc], 7)) return "private"
  if (startsWith(bytes, [0xfe, 0x80], 10)) return "linkLocal"
  if (bytes[0] === 0xff) return "multicast"
  return "public"
}

/** Whether the policy lets a connection go to an address of this class. */
export const allows = (policy: OutboundPolicy, addressClass: AddressClass): boolean =>
  addressClass === "public" || (policy.allow as ReadonlyArray<AddressClass>).includes(addressClass)

const classAdvice: Record<Exclude<AddressClass, "public">, string> = {
  loopback: "a loopback address (this machine); allow \"loopback\" (the localEvaluation profile) to test against a local endpoint",
  private: "a private-network address; allow \"private\" only if partners' endpoints really live on your private network",
  linkLocal: "a link-local address; allow \"linkLocal\" only for a deliberate local-network setup",
  metadata: "a cloud metadata address (169.254.169.254 / fd00:ec2::254), which hands out credentials; allow \"metadata\" never in production",
  unspecified: "the unspecified address (0.0.0.0 or ::), which reaches the local host; it is never allowed",
  multicast: "a multicast, broadcast or reserved address, which has no single receiver; it is never allowed"
}

// ---------------------------------------------------------------------------
// The check (resolves names)

/**
 * Checks a callback URL against the policy, resolving its host with
 * `node:dns` and classifying every address. Succeeds with the address to
 * connect to (the first one the resolver gave).
 */
export const check = Effect.fn("OutboundPolicy.check")(function*(rawUrl: string, policy: OutboundPolicy) {
  const refuse = (reason: DestinationRefused["reason"], detail: string, code?: string) =>
    new DestinationRefused({ reason, url: rawUrl.slice(0, 200), detail, ...(code === undefined ? {} : { code }) })

  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    return yield* refuse("InvalidUrl", `callback URL ${JSON.stringify(rawUrl.slice(0, 200))} is not a URL; send e.g. "https://partner.example/smile/callback"`)
  }
  if (!(policy.schemes as ReadonlyArray<string>).includes(url.protocol)) {
    return yield* refuse(
      "Scheme",
      `callback URL scheme ${JSON.stringify(url.protocol)} is not allowed; use ${policy.schemes.join(" or ")}`
    )
  }

  const host = url.hostname.replace(/^\[|\]$/g, "")
  const literal = Net.isIP(host)
  const addresses: ReadonlyArray<{ readonly address: string; readonly family: number }> = literal !== 0
    ? [{ address: host, family: literal }]
    : yield* Effect.async<ReadonlyArray<Dns.LookupAddress>, DestinationRefused>((resume) => {
      Dns.lookup(host, { all: true, verbatim: true }, (error, found) => {
        if (error !== null || found.length === 0) {
          resume(Effect.fail(refuse(
            "Unresolvable",
            `callback host ${JSON.stringify(host)} does not resolve (${error?.code ?? "no addresses"}); check the host name`,
            error?.code ?? "ENOTFOUND"
          )))
        } else {
          resume(Effect.succeed(found))
        }
      })
    })

  for (const { address } of addresses) {
    const addressClass = classify(address) ?? "unspecified"
    if (!allows(policy, addressClass)) {
      const via = literal !== 0 ? "" : ` (${JSON.stringify(host)} resolves to ${addresses.map((a) => a.address).join(", ")})`
      return yield* refuse(
        "Address",
        `callback URL points to ${address}${via}, ${classAdvice[addressClass as Exclude<AddressClass, "public">]}`
      )
    }
  }
  const [first] = addresses
  if (first === undefined) return yield* refuse("Unresolvable", `callback host ${JSON.stringify(host)} has no address`)
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 } satisfies CheckedDestination
})

/**
 * A `lookup` for `http.request` that answers every query with the checked
 * address, so the socket connects exactly where the policy looked. The URL
 * keeps its host name, so the `Host` header and the TLS server name (SNI and
 * certificate check) stay those of the partner.
 */
export const pinnedLookup = (destination: CheckedDestination) =>
(
  _hostname: string,
  options: Dns.LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | Array<Dns.LookupAddress>, family?: number) => void
): void => {
  if (options.all === true) callback(null, [{ address: destination.address, family: destination.family }])
  else callback(null, destination.address, destination.family)
}
