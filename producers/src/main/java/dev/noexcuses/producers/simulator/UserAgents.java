package dev.noexcuses.producers.simulator;

import java.util.List;
import java.util.SplittableRandom;

/**
 * User agents of the browsers people shop with, in roughly their shares: Chrome, Safari, Edge,
 * Firefox, Samsung Internet and Opera, on Windows, macOS, Linux, Android, iOS and iPadOS, desktop
 * and mobile. Versions and phone models vary as they do in real traffic: a few thousand distinct
 * strings, the common ones shared by many visitors, as a parser's cache meets them.
 */
final class UserAgents {
    private static final List<String> ANDROID_MODELS = List.of("SM-S918B", "SM-S911B", "SM-A546B", "SM-A536B",
            "SM-A145R", "SM-G991B", "SM-G781B", "SM-A525F", "Pixel 8", "Pixel 8 Pro", "Pixel 7a", "Pixel 7", "Pixel 6a",
            "M2101K6G", "2201117TY", "23021RAAEG", "CPH2451", "CPH2581", "moto g54 5G", "motorola edge 40",
            "RMX3630", "V2231", "Nokia G21", "SM-T220", "SM-X200", "22101316G", "M2007J20CG", "LE2123", "NE2213",
            "XQ-DQ54");

    private UserAgents() {}

    static String pick(SplittableRandom r) {
        int p = r.nextInt(100);
        if (p < 24) {
            return chromeDesktop(r, pickOs(r, "Windows NT 10.0; Win64; x64", "Windows NT 10.0; Win64; x64",
                    "Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7", "X11; Linux x86_64"), "");
        }
        if (p < 30) {
            String chrome = chromeVersion(r);
            int major = Integer.parseInt(chrome.substring(0, chrome.indexOf('.')));
            // Edge sends its full version: one build per major, a few patch releases of it.
            return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + chrome
                    + " Safari/537.36 Edg/" + major + ".0." + (2045 + (major - 118) * 60) + "." + (30 + 15 * r.nextInt(5));
        }
        if (p < 36) {
            int v = 115 + r.nextInt(19);
            String os = pickOs(r, "Windows NT 10.0; Win64; x64", "Windows NT 10.0; Win64; x64",
                    "Macintosh; Intel Mac OS X 10.15", "X11; Ubuntu; Linux x86_64", "X11; Linux x86_64");
            return "Mozilla/5.0 (" + os + "; rv:" + v + ".0) Gecko/20100101 Firefox/" + v + ".0";
        }
        if (p < 44) {
            String safari = (16 + r.nextInt(2)) + "." + r.nextInt(7) + (r.nextBoolean() ? "" : "." + (1 + r.nextInt(3)));
            return "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/"
                    + safari + " Safari/605.1.15";
        }
        if (p < 46) {
            return chromeDesktop(r, "Windows NT 10.0; Win64; x64", " OPR/" + (100 + r.nextInt(15)) + ".0.0.0");
        }
        if (p < 66) {
            int major = 15 + r.nextInt(4);
            int minor = r.nextInt(major == 18 ? 3 : 8);
            String ios = major + (minor == 0 ? "" : "_" + minor) + (r.nextInt(3) == 0 ? "_1" : "");
            String device = r.nextInt(8) == 0 ? "iPad; CPU OS " : "iPhone; CPU iPhone OS ";
            return "Mozilla/5.0 (" + device + ios + " like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/"
                    + major + "." + minor + " Mobile/15E148 Safari/604.1";
        }
        if (p < 70) {
            return "Mozilla/5.0 (iPhone; CPU iPhone OS " + iosVersion(r)
                    + " like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/" + chromeVersion(r)
                    + " Mobile/15E148 Safari/604.1";
        }
        // A phone model runs one Android version or two, not any.
        int modelIndex = r.nextInt(ANDROID_MODELS.size());
        String model = ANDROID_MODELS.get(modelIndex);
        String android = String.valueOf(10 + (modelIndex + r.nextInt(2)) % 5);
        if (p < 92) {
            boolean tablet = model.startsWith("SM-T") || model.startsWith("SM-X");
            return "Mozilla/5.0 (Linux; Android " + android + "; " + model
                    + ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + chromeVersion(r)
                    + (tablet ? " Safari/537.36" : " Mobile Safari/537.36");
        }
        if (p < 98) {
            return "Mozilla/5.0 (Linux; Android " + android + "; " + model
                    + ") AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/" + (21 + r.nextInt(5)) + ".0 Chrome/"
                    + (110 + r.nextInt(12)) + ".0.0.0 Mobile Safari/537.36";
        }
        int v = 115 + r.nextInt(19);
        return "Mozilla/5.0 (Android " + android + "; Mobile; rv:" + v + ".0) Gecko/" + v + ".0 Firefox/" + v + ".0";
    }

    private static String chromeDesktop(SplittableRandom r, String os, String suffix) {
        return "Mozilla/5.0 (" + os + ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + chromeVersion(r)
                + " Safari/537.36" + suffix;
    }

    /**
     * A Chrome version as sent since the user-agent reduction (major.0.0.0), or, for one in four, in
     * full as older builds and embedded views send it: a few patch levels per major.
     */
    private static String chromeVersion(SplittableRandom r) {
        int major = 118 + r.nextInt(14);
        return r.nextInt(4) != 0 ? major + ".0.0.0"
                : major + ".0." + (5993 + (major - 118) * 65) + "." + (40 + 30 * r.nextInt(4));
    }

    private static String iosVersion(SplittableRandom r) {
        int major = 15 + r.nextInt(4);
        int minor = r.nextInt(major == 18 ? 3 : 8);
        return minor == 0 ? String.valueOf(major) : major + "_" + minor + (r.nextInt(3) == 0 ? "_1" : "");
    }

    private static String pickOs(SplittableRandom r, String... options) {
        return options[r.nextInt(options.length)];
    }
}
