package io.sngate.hw.serial;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SerialPortsTest {

    @Test
    void portsAreListedSortedByPathWithTheirDescription() {
        List<String> lines = SerialPorts.format(List.of(
                new SerialPortInfo("/dev/ttyUSB0", "FT232R USB UART"),
                new SerialPortInfo("/dev/ttyACM0", "XBee 3 USB"),
                new SerialPortInfo("/dev/ttyAMA10", "  Physical Port AMA10 ")));
        assertThat(lines).containsExactly(
                "/dev/ttyACM0   XBee 3 USB",
                "/dev/ttyAMA10  Physical Port AMA10",
                "/dev/ttyUSB0   FT232R USB UART");
    }

    @Test
    void aPathSeenTwiceIsListedOnceAndAMissingDescriptionLeavesThePath() {
        assertThat(SerialPorts.format(List.of(
                new SerialPortInfo("/dev/ttyS0", ""),
                new SerialPortInfo("/dev/ttyS0", "16550A"),
                new SerialPortInfo("/dev/ttyS1", null))))
                .containsExactly("/dev/ttyS0  16550A", "/dev/ttyS1");
    }

    @Test
    void noPortsIsOneClearLine() {
        assertThat(SerialPorts.format(List.of())).containsExactly(SerialPorts.NONE);
    }

    @Test
    void theDefaultBackendListsWhatTheMachineHas() {
        List<SerialPortInfo> ports = new JSerialCommBackend().listPorts();
        List<String> lines = SerialPorts.list();
        if (ports.isEmpty()) {
            assertThat(lines).containsExactly(SerialPorts.NONE);
        } else {
            assertThat(lines).isEqualTo(SerialPorts.format(ports));
            assertThat(lines).allSatisfy(line -> assertThat(ports).anyMatch(p -> line.startsWith(p.path())));
        }
    }

    @Test
    void jsscListsPortsByNameToo() {
        assertThat(new JsscBackend().listPorts())
                .allSatisfy(port -> assertThat(port.path()).startsWith("/dev/"));
    }
}
