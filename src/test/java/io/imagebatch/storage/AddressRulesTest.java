package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRulesTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255",
            "172.16.0.1", "172.31.255.255", "192.168.0.1", "192.168.255.255", "169.254.169.254", "100.64.0.1",
            "100.127.255.255", "224.0.0.1", "239.255.255.250", "255.255.255.255", "::1", "::", "fe80::1",
            "fc00::1", "fd12:3456:789a::1", "fec0::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
            "64:ff9b::a00:1", "64:ff9b::7f00:1", "::10.0.0.1"})
    void refusesNonPublicAddresses(String ip) throws UnknownHostException {
        assertThat(AddressRules.isPrivate(InetAddress.getByName(ip))).as(ip).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255",
            "172.32.0.0", "192.167.255.255", "192.169.0.0", "169.253.255.255", "11.0.0.1", "2001:4860:4860::8888",
            "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "fbff::1", "fe00::1", "::ffff:0:808:808",
            "198.17.255.255", "198.20.0.0", "223.255.255.254", "2003::1",
            "2001:200::1", "2620:4f:7fff::1", "93.184.215.14"})
    void allowsPublicAddresses(String ip) throws UnknownHostException {
        assertThat(AddressRules.isPrivate(InetAddress.getByName(ip))).as(ip).isFalse();
    }

    /**
     * The ranges of the IANA IPv4 and IPv6 special-purpose registries that the old hand list missed, and the
     * IPv6 forms that embed an IPv4 address (translated, 6to4, Teredo, NAT64 local use).
     */
    @ParameterizedTest
    @ValueSource(strings = {"::ffff:0:a9fe:a9fe", "::ffff:0:7f00:1", "::ffff:0:a00:1", "2002::1",
            "2002:a9fe:a9fe::1", "2002:0808:0808::1", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "240.0.0.1", "250.1.2.3", "255.255.255.254", "198.18.0.1", "198.19.255.255", "192.0.0.170",
            "192.0.0.8", "192.0.2.1", "198.51.100.7", "203.0.113.7", "192.88.99.1", "192.31.196.1",
            "192.52.193.1", "192.175.48.6", "100::1", "100:0:0:1::1", "64:ff9b:1::a00:1", "64:ff9b::a9fe:a9fe",
            "2001:2::1", "2001:db8::1", "2001:20::1", "2620:4f:8000::1", "3fff::1", "5f00::1", "::a9fe:a9fe"})
    void everySpecialPurposeRangeOfTheIanaRegistriesIsRefusedIncludingEmbeddedIpv4Forms(String ip)
            throws UnknownHostException {
        assertThat(AddressRules.isPrivate(InetAddress.getByName(ip))).as(ip).isTrue();
    }

    @org.junit.jupiter.api.Test
    void everyTableEntryNamesTheDocumentThatAssignedIt() throws UnknownHostException {
        assertThat(AddressRules.REFUSED).allSatisfy(range -> assertThat(range.source()).matches("RFC \\d+"));
        assertThat(AddressRules.refusedBy(InetAddress.getByName("198.18.0.1")))
                .hasValueSatisfying(r -> assertThat(r.cidr() + " " + r.source()).isEqualTo("198.18.0.0/15 RFC 2544"));
        assertThat(AddressRules.refusedBy(InetAddress.getByName("::ffff:0:a9fe:a9fe")))
                .hasValueSatisfying(r -> assertThat(r.cidr()).isEqualTo("169.254.0.0/16"));
    }
}
