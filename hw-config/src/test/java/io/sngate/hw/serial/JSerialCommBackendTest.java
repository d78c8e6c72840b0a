package io.sngate.hw.serial;

/** The contract on jSerialComm, the default backend. */
class JSerialCommBackendTest extends SerialBackendContract {

    @Override
    SerialBackend backend() {
        return new JSerialCommBackend();
    }

    @Override
    SerialSettings.Backend kind() {
        return SerialSettings.Backend.JSERIALCOMM;
    }
}
