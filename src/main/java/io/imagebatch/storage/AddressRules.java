package io.imagebatch.storage;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Which addresses a result URL may not reach unless {@link DownloadProperties#allowPrivateNetworks()} is set:
 * a guard against URLs that point at internal services (server-side request forgery).
 *
 * <p>The rule is one table, {@link #REFUSED}: every entry of the IANA "IPv4 Special-Purpose Address Registry" and
 * "IPv6 Special-Purpose Address Registry" (RFC 6890, as updated to 2025), each with the RFC that assigned it, plus
 * the multicast ranges and the deprecated IPv6 site-local range. No well-kept library in Maven Central carries
 * these registries (commons-net's {@code SubnetUtils} is IPv4 arithmetic only, and the IPAddress library knows
 * loopback, link-local and site-local but not the registry), so the table lives here; to follow a registry
 * update, add or remove a line.
 *
 * <p>Addresses that embed an IPv4 address are judged by that address, so that a public IPv4 host reached
 * through a translator is allowed and an internal one is not: IPv4-mapped {@code ::ffff:a.b.c.d} (the JDK
 * already returns those as IPv4), IPv4-translated {@code ::ffff:0:a.b.c.d} (RFC 2765), IPv4-compatible
 * {@code ::a.b.c.d} (RFC 4291, deprecated) and the NAT64 well-known prefix {@code 64:ff9b::/96} (RFC 6052,
 * which DNS64 resolvers synthesise for every IPv4-only host). 6to4 ({@code 2002::/16}, RFC 3056) and Teredo
 * ({@code 2001::/32}, RFC 4380) are refused whole: they tunnel to an IPv4 address (obfuscated, for Teredo) through
 * relays no result host needs.
 */
final class AddressRules {

    /** One registry entry: a prefix, what it is, and the document that assigned it. */
    record Range(byte[] prefix, int bits, String cidr, String name, String source) {

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (prefix[full] & mask);
        }
    }

    /**
     * Every range refused by default, IPv4 first, in registry order. Sources: the IANA IPv4 and IPv6
     * Special-Purpose Address Registries (iana.org/assignments/iana-ipv4-special-registry and
     * iana-ipv6-special-registry), the multicast address spaces (RFC 5771, RFC 4291) and RFC 3879 (site-local).
     */
    static final List<Range> REFUSED = List.of(
            // IPv4 Special-Purpose Address Registry
            range("0.0.0.0/8", "\"This network\"", "RFC 791"),
            range("10.0.0.0/8", "Private-Use", "RFC 1918"),
            range("100.64.0.0/10", "Shared Address Space (carrier-grade NAT)", "RFC 6598"),
            range("127.0.0.0/8", "Loopback", "RFC 1122"),
            range("169.254.0.0/16", "Link Local", "RFC 3927"),
            range("172.16.0.0/12", "Private-Use", "RFC 1918"),
            range("192.0.0.0/24", "IETF Protocol Assignments (DS-Lite, PCP and TURN anycast, NAT64 discovery)",
                    "RFC 6890"),
            range("192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737"),
            range("192.31.196.0/24", "AS112-v4", "RFC 7535"),
            range("192.52.193.0/24", "AMT", "RFC 7450"),
            range("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526"),
            range("192.168.0.0/16", "Private-Use", "RFC 1918"),
            range("192.175.48.0/24", "Direct Delegation AS112 Service", "RFC 7534"),
            range("198.18.0.0/15", "Benchmarking", "RFC 2544"),
            range("198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737"),
            range("203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737"),
            range("240.0.0.0/4", "Reserved", "RFC 1112"),
            range("255.255.255.255/32", "Limited Broadcast", "RFC 919"),
            // IPv4 multicast (not special-purpose, never a web server)
            range("224.0.0.0/4", "Multicast", "RFC 5771"),
            // IPv6 Special-Purpose Address Registry
            range("::1/128", "Loopback Address", "RFC 4291"),
            range("::/128", "Unspecified Address", "RFC 4291"),
            range("100::/64", "Discard-Only Address Block", "RFC 6666"),
            range("100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780"),
            range("64:ff9b:1::/48", "IPv4-IPv6 Translat. (local use)", "RFC 8215"),
            range("2001::/23", "IETF Protocol Assignments (Teredo, PCP/TURN/DNS-SD anycast, benchmarking, AMT,"
                    + " AS112, ORCHID, DRIP)", "RFC 2928"),
            range("2001::/32", "TEREDO", "RFC 4380"),
            range("2001:db8::/32", "Documentation", "RFC 3849"),
            range("2002::/16", "6to4", "RFC 3056"),
            range("2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534"),
            range("3fff::/20", "Documentation", "RFC 9637"),
            range("5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602"),
            range("fc00::/7", "Unique-Local", "RFC 4193"),
            range("fe80::/10", "Link-Local Unicast", "RFC 4291"),
            // deprecated site-local and multicast (not in the registry, never a web server)
            range("fec0::/10", "Site-Local (deprecated)", "RFC 3879"),
            range("ff00::/8", "Multicast", "RFC 4291"));

    /** NAT64 well-known prefix (RFC 6052): judged by the embedded IPv4 address in its last 32 bits. */
    private static final Range NAT64 = range("64:ff9b::/96", "IPv4-IPv6 Translat.", "RFC 6052");
    /** IPv4-translated addresses (RFC 2765): {@code ::ffff:0:a.b.c.d}. */
    private static final Range TRANSLATED = range("::ffff:0:0:0/96", "IPv4-translated", "RFC 2765");
    /** IPv4-mapped addresses (RFC 4291), for byte arrays the JDK did not already turn into IPv4. */
    private static final Range MAPPED = range("::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291");
    /** IPv4-compatible addresses (RFC 4291 section 2.5.5.1, deprecated): {@code ::a.b.c.d}. */
    private static final Range COMPATIBLE = range("::/96", "IPv4-compatible (deprecated)", "RFC 4291");

    private AddressRules() {
    }

    /**
     * Whether {@code address} is in a range of {@link #REFUSED}, or embeds an IPv4 address that is.
     *
     * @param address a resolved address
     * @return true when the address must not be contacted by default
     */
    static boolean isPrivate(InetAddress address) {
        return refusedBy(address).isPresent();
    }

    /**
     * The registry entry that refuses {@code address}.
     *
     * @param address a resolved IPv4 or IPv6 address
     * @return the entry (for an embedded IPv4 address, the entry of that address), or empty when the address is
     *         public
     */
    static Optional<Range> refusedBy(InetAddress address) {
        byte[] b = address.getAddress();
        for (Range range : REFUSED) {
            if (range.contains(b)) {
                return Optional.of(range);
            }
        }
        if (address instanceof Inet6Address) {
            if (NAT64.contains(b) || TRANSLATED.contains(b) || MAPPED.contains(b) || COMPATIBLE.contains(b)) {
                return refusedBy(embedded(b));
            }
        }
        return Optional.empty();
    }

    private static Inet4Address embedded(byte[] v6) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {v6[12], v6[13], v6[14], v6[15]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an IPv4 address", e);
        }
    }

    private static Range range(String cidr, String name, String source) {
        int slash = cidr.indexOf('/');
        String ip = cidr.substring(0, slash);
        try {
            // a literal: never a DNS lookup
            byte[] prefix = InetAddress.getByName(ip).getAddress();
            if (ip.contains(":") && prefix.length == 4) {
                // the JDK turns ::ffff:a.b.c.d literals into IPv4; keep the IPv6 form of the prefix
                byte[] v6 = new byte[16];
                v6[10] = (byte) 0xff;
                v6[11] = (byte) 0xff;
                System.arraycopy(prefix, 0, v6, 12, 4);
                prefix = v6;
            }
            return new Range(prefix, Integer.parseInt(cidr.substring(slash + 1)), cidr, name, source);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("bad table entry " + cidr, e);
        }
    }
}
