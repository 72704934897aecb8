package dev.noexcuses.enricher.useragent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import ua_parser.Client;
import ua_parser.Parser;

class FilteredUaParserTest {
    private static final List<String> PLATFORMS = List.of("Windows NT 10.0; Win64; x64", "Windows NT 6.1; WOW64",
            "Windows NT 6.1; WOW64; Trident/7.0; rv:11.0", "Macintosh; Intel Mac OS X 10_15_7", "X11; Linux x86_64",
            "X11; Ubuntu; Linux x86_64", "X11; CrOS x86_64 15633.69.0", "Linux; Android 14; SM-S918B",
            "Linux; Android 13; Pixel 7a", "Linux; Android 12; M2101K6G", "Linux; Android 11; CPH2451",
            "Linux; Android 10; K", "Linux; U; Android 4.4.2; en-us; SAMSUNG SM-T230 Build/KOT49H",
            "Android 13; Mobile; rv:128.0", "iPhone; CPU iPhone OS 17_4 like Mac OS X",
            "iPad; CPU OS 16_6 like Mac OS X", "iPod touch; CPU iPhone OS 12_5 like Mac OS X",
            "Linux; Android 9; AFTMM Build/PS7233", "PlayStation 4 11.00", "Nintendo Switch; WifiWebAuthApplet",
            "SMART-TV; Linux; Tizen 6.0", "Web0S; Linux/SmartTV", "Linux; Android 11; BRAVIA 4K UR3 Build/RTM1",
            "KFTRWI Build/PS7327", "BlackBerry; U; BlackBerry 9900; en", "Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950",
            "Mobile; rv:48.0; KAIOS/2.5", "compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0", "Linux; Android 13; moto g54 5G",
            "Linux; Android 12; HUAWEI P30 Build/HUAWEIELE-L29", "Linux; Android 11; Redmi Note 8 Pro",
            "Linux; Android 10; LM-Q720", "Linux; Android 13; SM-X200", "Linux; arm; Android 12; SM-A536B");
    private static final List<String> BROWSERS = List.of(
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.230 Mobile Safari/537.36",
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Safari/605.1.15",
            "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            "AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15",
            "Gecko/20100101 Firefox/133.0", "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
            "AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.4.0.0 Safari/537.36",
            "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/87.0.4280.141 Mobile Safari/537.36 UCBrowser/13.4.0.1306",
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Mobile Safari/537.36 XiaoMi/MiuiBrowser/14.8.0-gn",
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0",
            "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.0.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/490.0.0.0;]",
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 356.0.0.29.91",
            "like Gecko", "AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
            "AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.0.0 Safari/537.36",
            "Silk/131.4.1 like Chrome/131.0.0.0 Safari/537.36");
    private static final List<String> OTHERS = List.of("curl/8.4.0", "python-requests/2.32.3", "okhttp/4.12.0",
            "Googlebot/2.1 (+http://www.google.com/bot.html)", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Dalvik/2.1.0 (Linux; U; Android 13; SM-A145R Build/TP1A.220624.014)", "Apache-HttpClient/4.5.14 (Java/17.0.9)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Wget/1.21.4", "armeria/1.36.0",
            "Spotify/8.9.0 Android/33 (SM-S911B)", "WhatsApp/2.24.1.6 A", "Roku/DVP-12.5 (12.5.0.4178)",
            "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4_1 like Mac OS X; en_us)", "", "-", "Mozilla/5.0",
            "ÜberBrowser/1.0 (Ünïcode)");

    @Test
    void answersAsUaParsersOwnParserForBrowsersPlatformsDevicesAndBots() {
        Parser reference = new Parser();
        FilteredUaParser filtered = FilteredUaParser.load();
        List<String> agents = new ArrayList<>(OTHERS);
        for (String platform : PLATFORMS) {
            for (String browser : BROWSERS) {
                agents.add("Mozilla/5.0 (" + platform + ") " + browser);
            }
        }

        List<String> differ = new ArrayList<>();
        for (String agent : agents) {
            Client expected = reference.parse(agent);
            if (!expected.equals(filtered.parse(agent))) {
                differ.add(agent + " -> " + filtered.parse(agent) + ", expected " + expected);
            }
        }

        assertThat(agents).hasSizeGreaterThan(600);
        assertThat(differ).isEmpty();
        // The agents are varied enough to exercise many rules, not fall through to "Other".
        assertThat(agents.stream().map(a -> reference.parse(a).device.family).distinct().count()).isGreaterThan(20);
        assertThat(agents.stream().map(a -> reference.parse(a).userAgent.family).distinct().count()).isGreaterThan(20);
    }

    @Test
    void findsTheLongestLiteralOnlyWhereEveryMatchMustHoldIt() {
        assertThat(RequiredLiteral.in("(Chrome)/(\\d+)\\.(\\d+)")).hasValue(List.of("Chrome"));
        assertThat(RequiredLiteral.in("Mozilla/5\\.0 \\((iPhone)")).hasValue(List.of("Mozilla/5.0 ("));
        // Optional and repeatable characters end a run: "Kindle" is required, "s" and "!" are not.
        assertThat(RequiredLiteral.in("Kindles?!*")).hasValue(List.of("Kindle"));
        assertThat(RequiredLiteral.in("ab+c")).hasValue(List.of("ab"));
        assertThat(RequiredLiteral.in("x{0,2}Opera")).hasValue(List.of("Opera"));
        // Alternatives require one of their branches' texts, unless a branch requires nothing.
        assertThat(RequiredLiteral.in("(Firefox|Iceweasel)/(\\d+)")).hasValue(List.of("Firefox", "Iceweasel"));
        assertThat(RequiredLiteral.in("Android|i(OS)")).hasValue(List.of("Android", "OS"));
        assertThat(RequiredLiteral.in("(?:\\.(\\d+)|)Opera")).hasValue(List.of("Opera"));
        assertThat(RequiredLiteral.in("(Opera|\\d+)")).isEmpty();
        // Optional groups, lookarounds and classes require nothing of their own.
        assertThat(RequiredLiteral.in("(?:Version/(\\d+))?Safari")).hasValue(List.of("Safari"));
        assertThat(RequiredLiteral.in("(?!Edge)Chrome")).hasValue(List.of("Chrome"));
        assertThat(RequiredLiteral.in("[Kk]indle")).hasValue(List.of("indle"));
        assertThat(RequiredLiteral.in("(?<name>Vivaldi)/")).hasValue(List.of("Vivaldi"));
        assertThat(RequiredLiteral.in("\\d+\\.\\d+")).hasValue(List.of("."));
        assertThat(RequiredLiteral.in(".*")).isEmpty();
        // What the reader does not interpret gives no requirement at all, never a wrong one.
        assertThat(RequiredLiteral.in("(?i)chrome")).isEmpty();
        assertThat(RequiredLiteral.in("\\x41ndroid")).isEmpty();
        assertThat(RequiredLiteral.in("\\QChrome\\E")).isEmpty();
    }
}
