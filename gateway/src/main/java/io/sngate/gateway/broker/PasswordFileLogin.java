package io.sngate.gateway.broker;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The embedded broker's login ({@code broker.embedded-password-file}): an extension living in the
 * gateway's process, so no extension folder has to be deployed. A client gets in only with a
 * listed user name and its password, on every listener; anything else gets CONNACK 0x86 (bad
 * user name or password), the same answer for an unknown user as for a wrong password so that
 * user names cannot be probed.
 */
final class PasswordFileLogin implements ExtensionMain {

    /** What an unknown user's password is compared with, so that it takes as long as a known one's. */
    private static final byte[] NOBODY = sha256(new byte[] {1});

    /** SHA-256 of each password: compared digests have one length, so the time taken does not tell a password's. */
    private final Map<String, byte[]> digests = new HashMap<>();

    PasswordFileLogin(Map<String, String> users) {
        users.forEach((user, password) -> digests.put(user, sha256(password.getBytes(StandardCharsets.UTF_8))));
    }

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        SimpleAuthenticator authenticator = this::login;
        Services.securityRegistry().setAuthenticatorProvider(providerInput -> authenticator);
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        // HiveMQ drops the extension's registrations itself.
    }

    private void login(SimpleAuthInput input, SimpleAuthOutput output) {
        ConnectPacket connect = input.getConnectPacket();
        if (accepts(connect.getUserName(), connect.getPassword())) {
            output.authenticateSuccessfully();
        } else {
            output.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "bad user name or password");
        }
    }

    boolean accepts(Optional<String> user, Optional<ByteBuffer> password) {
        if (user.isEmpty() || password.isEmpty()) {
            return false;
        }
        ByteBuffer given = password.get().duplicate();
        byte[] bytes = new byte[given.remaining()];
        given.get(bytes);
        byte[] expected = digests.get(user.get());
        boolean same = MessageDigest.isEqual(expected != null ? expected : NOBODY, sha256(bytes));
        return expected != null & same;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
