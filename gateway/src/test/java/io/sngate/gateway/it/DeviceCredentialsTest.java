package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.hw.config.GatewaySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-device broker credentials from the devices file, in transparent mode: each device meets
 * the broker's own authentication and ACLs under its own user name. The broker is a mosquitto
 * with anonymous access off, a password file and an ACL file.
 */
class DeviceCredentialsTest {

    @Test
    void eachDeviceMeetsTheBrokersAuthenticationAndAclUnderItsOwnName(@TempDir Path dir) throws Exception {
        Path passwords = dir.resolve("passwords");
        addUser(passwords, "gateway", "gateway-secret");
        addUser(passwords, "dev-a", "a-secret");
        Path acl = Files.writeString(dir.resolve("acl"), """
                user dev-a
                topic readwrite creds/dev-a/#

                user gateway
                topic read $SYS/#
                """, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("a.pass"), "a-secret\n", StandardCharsets.UTF_8);
        Path devices = Files.writeString(dir.resolve("devices.yaml"), """
                devices:
                  - client-id: dev-a
                    username: dev-a
                    password-file: a.pass
                  - client-id: dev-wrong
                    username: dev-a
                    password: not-the-password
                """, StandardCharsets.UTF_8);
        try (LoggedMosquitto broker = LoggedMosquitto.start(List.of("allow_anonymous false",
                "password_file " + passwords.toAbsolutePath(), "acl_file " + acl.toAbsolutePath()));
             TestGateway gw = TestGateway.on(broker.broker, c -> c.with(GatewaySettings.DEVICES_FILE, devices.toString())
                     .with(GatewaySettings.BROKER_USERNAME, "gateway")
                     .with(GatewaySettings.BROKER_PASSWORD, "gateway-secret"));
             Device a = gw.device("dev-a");
             Device other = gw.device("dev-other");
             Device wrong = gw.device("dev-wrong")) {
            // dev-a connects as dev-a: its own topics are allowed, the others refused by the broker's ACL.
            a.connected(true, 60);
            int own = a.register("creds/dev-a/temp");
            assertThat(a.publish1(TopicIdType.NORMAL, own, "21".getBytes(), false).returnCode())
                    .isEqualTo(ReturnCode.ACCEPTED);
            int foreign = a.register("creds/dev-b/temp");
            assertThat(a.publish1(TopicIdType.NORMAL, foreign, "22".getBytes(), false).returnCode())
                    .as("a publish the broker's ACL refuses to dev-a").isEqualTo(ReturnCode.REJECTED_NOT_SUPPORTED);

            // A device without an entry uses the gateway's credentials, which may not write there.
            other.connected(true, 60);
            int topic = other.register("creds/dev-a/temp");
            assertThat(other.publish1(TopicIdType.NORMAL, topic, "23".getBytes(), false).returnCode())
                    .isEqualTo(ReturnCode.REJECTED_NOT_SUPPORTED);

            // Wrong credentials: the broker refuses the connection and the device learns it.
            assertThat(wrong.connect(true, 60).returnCode()).isNotEqualTo(ReturnCode.ACCEPTED);

            // The broker saw each device under its own name: dev-a as dev-a, dev-other as the gateway.
            assertThat(broker.log()).containsPattern("New client connected .* as dev-a .*u'dev-a'")
                    .containsPattern("New client connected .* as dev-other .*u'gateway'");
            a.disconnect();
            other.disconnect();
        }
    }

    static void addUser(Path file, String user, String password) throws Exception {
        List<String> command = Files.exists(file)
                ? List.of("mosquitto_passwd", "-b", file.toString(), user, password)
                : List.of("mosquitto_passwd", "-c", "-b", file.toString(), user, password);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("mosquitto_passwd finishes").isTrue();
        assertThat(process.exitValue()).as("mosquitto_passwd: %s",
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    }
}
