package io.sngate.hw.serial;

/** The contract on jssc, the alternative backend. */
class JsscBackendTest extends SerialBackendContract {

    @Override
    SerialBackend backend() {
        return new JsscBackend();
    }

    @Override
    SerialSettings.Backend kind() {
        return SerialSettings.Backend.JSSC;
    }
}
