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
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "203.0.113.7", "100.63.255.255", "100.128.0.0", "172.15.255.255",
            "172.32.0.0", "192.167.255.255", "192.169.0.0", "169.253.255.255", "11.0.0.1", "2001:4860:4860::8888",
            "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "fbff::1", "fe00::1"})
    void allowsPublicAddresses(String ip) throws UnknownHostException {
        assertThat(AddressRules.isPrivate(InetAddress.getByName(ip))).as(ip).isFalse();
    }
}
