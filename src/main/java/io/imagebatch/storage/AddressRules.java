package io.imagebatch.storage;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Which addresses a result URL may not reach unless {@link DownloadSettings#allowPrivateNetworks()} is set:
 * a guard against URLs that point at internal services (server-side request forgery).
 */
final class AddressRules {

    private AddressRules() {
    }

    /**
     * Whether {@code address} is in a non-public range.
     *
     * <p>Refused: loopback (127/8, ::1), any-local (0.0.0.0, ::) and the whole of 0/8 (Linux routes it to the
     * local host), link-local (169.254/16, fe80::/10), site-local (10/8, 172.16/12, 192.168/16, fec0::/10),
     * carrier-grade NAT (100.64/10, RFC 6598), IPv6 unique-local (fc00::/7, RFC 4193), multicast (224/4,
     * ff00::/8) and the limited broadcast 255.255.255.255. An IPv6 address that embeds an IPv4 one
     * (IPv4-compatible {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::/96}) is judged by the embedded address too;
     * IPv4-mapped addresses are already returned as IPv4 by the JDK.
     *
     * @param address a resolved address
     * @return true when the address must not be contacted by default
     */
    static boolean isPrivate(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            return b0 == 0 // "this network", 0/8
                    || (b0 == 100 && (b1 & 0xc0) == 64) // carrier-grade NAT, 100.64/10
                    || (b0 == 255 && b1 == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255);
        }
        if (address instanceof Inet6Address v6) {
            if ((b[0] & 0xfe) == 0xfc) { // unique-local, fc00::/7
                return true;
            }
            boolean nat64 = b[0] == 0 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
                    && allZero(b, 4, 12);
            if (v6.isIPv4CompatibleAddress() || nat64) {
                try {
                    return isPrivate(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return true; // cannot happen for 4 bytes
                }
            }
        }
        return false;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
