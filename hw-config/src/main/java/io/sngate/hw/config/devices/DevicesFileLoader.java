package io.sngate.hw.config.devices;

import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.GatewaySettings;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Loads the devices file that {@code devices.file} names: YAML, or Paho's {@code clients.conf}
 * when the name ends in {@code .conf}. The gateway calls it at start (through the configuration
 * loader) and again on SIGHUP; either way a bad file is a {@link ConfigError} naming the file,
 * the line and the reason, and the previous file stays in force.
 */
public final class DevicesFileLoader {

    /** The key every devices-file error is reported under. */
    public static final String KEY = GatewaySettings.DEVICES_FILE.path();

    private DevicesFileLoader() {
    }

    public static DevicesFile load(Path file) throws ConfigError {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigError(KEY, "cannot read " + file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new ConfigError(KEY, file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigError(KEY, "cannot read " + file + ": " + e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // the byte order mark some Windows editors write
        }
        if (isPahoClientList(file)) {
            return PahoClientsConf.parse(KEY, file.toString(), List.of(text.split("\\R", -1)));
        }
        return DevicesYaml.parse(KEY, file, text);
    }

    static boolean isPahoClientList(Path file) {
        Path name = file.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".conf");
    }
}
