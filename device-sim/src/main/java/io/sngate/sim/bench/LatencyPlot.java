package io.sngate.sim.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Latency by percentile, one line per run: x is the percentile on the usual log scale
 * (0%, 90%, 99%, 99.9%, ... evenly spaced), y the latency in milliseconds. Written as SVG
 * (by hand) or PNG (Java2D, headless).
 */
final class LatencyPlot {

    /** One line of the plot. */
    record Series(String name, Histogram micros, boolean dashed) {
    }

    static final int WIDTH = 900;
    static final int HEIGHT = 560;
    private static final int LEFT = 80;
    private static final int RIGHT = 220;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};

    private LatencyPlot() {
    }

    /** Writes the plot; the format follows the file name (.svg or .png). */
    static void write(Path file, String title, String subtitle, List<Series> series) throws IOException {
        boolean png = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png");
        Canvas canvas = png ? new PngCanvas() : new SvgCanvas();
        draw(canvas, title, subtitle, series);
        canvas.save(file);
    }

    private static void draw(Canvas c, String title, String subtitle, List<Series> series) {
        List<Series> shown = new ArrayList<>();
        for (Series s : series) {
            if (s.micros().getTotalCount() > 0) {
                shown.add(s);
            }
        }
        long maxCount = 1;
        double maxMs = 0;
        double minMedianMs = Double.MAX_VALUE;
        for (Series s : shown) {
            maxCount = Math.max(maxCount, s.micros().getTotalCount());
            maxMs = Math.max(maxMs, s.micros().getMaxValue() / 1000.0);
            minMedianMs = Math.min(minMedianMs, Math.max(0.001, s.micros().getValueAtPercentile(50) / 1000.0));
        }
        // A log scale when the lines span more than a factor of 20, so sub-millisecond medians
        // and long tails both stay readable.
        boolean log = !shown.isEmpty() && maxMs / minMedianMs > 20;
        // x: log10(1 / (1 - p)); up to the finest percentile the largest sample count resolves
        double xMax = Math.max(2, Math.min(6, Math.ceil(Math.log10(maxCount))));
        double yMax = log ? Math.pow(10, Math.ceil(Math.log10(maxMs * 1.05)))
                : niceCeiling(maxMs <= 0 ? 1 : maxMs * 1.05);
        double yMin = log ? Math.pow(10, Math.floor(Math.log10(minMedianMs * 0.95))) : 0;
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        java.util.function.DoubleUnaryOperator yOf = ms -> {
            double fraction = log ? (Math.log10(Math.max(ms, yMin)) - Math.log10(yMin))
                    / (Math.log10(yMax) - Math.log10(yMin)) : ms / yMax;
            return TOP + plotH - plotH * Math.min(1, Math.max(0, fraction));
        };

        c.rect(0, 0, WIDTH, HEIGHT, "#ffffff");
        c.text(WIDTH / 2.0, 26, title, 17, "middle", "#000000", false);
        c.text(WIDTH / 2.0, 46, subtitle, 11, "middle", "#444444", false);
        // grid and ticks
        List<Double> yTicks = new ArrayList<>();
        if (log) {
            for (double decade = yMin; decade <= yMax * 1.001; decade *= 10) {
                yTicks.add(decade);
                if (decade * 2 < yMax) {
                    yTicks.add(decade * 2);
                }
                if (decade * 5 < yMax) {
                    yTicks.add(decade * 5);
                }
            }
        } else {
            for (int i = 0; i <= 5; i++) {
                yTicks.add(yMax * i / 5);
            }
        }
        for (double v : yTicks) {
            double y = yOf.applyAsDouble(v);
            c.line(LEFT, y, LEFT + plotW, y, "#dddddd", 1, false);
            c.text(LEFT - 8, y + 4, trim(v), 11, "end", "#000000", false);
        }
        for (int k = 0; k <= (int) xMax; k++) {
            double x = LEFT + plotW * k / xMax;
            c.line(x, TOP, x, TOP + plotH, "#dddddd", 1, false);
            c.text(x, TOP + plotH + 18, percentileLabel(k), 11, "middle", "#000000", false);
        }
        c.line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#000000", 1.5, false);
        c.line(LEFT, TOP, LEFT, TOP + plotH, "#000000", 1.5, false);
        c.text(LEFT + plotW / 2.0, HEIGHT - 22, "percentile", 13, "middle", "#000000", false);
        c.text(22, TOP + plotH / 2.0, log ? "latency (ms, log scale)" : "latency (ms)", 13, "middle", "#000000",
                true);
        if (shown.isEmpty()) {
            c.text(LEFT + plotW / 2.0, TOP + plotH / 2.0, "no latency samples", 14, "middle", "#888888", false);
        }
        for (int i = 0; i < shown.size(); i++) {
            Series s = shown.get(i);
            String color = COLORS[i % COLORS.length];
            List<double[]> points = new ArrayList<>();
            for (HistogramIterationValue v : s.micros().percentiles(5)) {
                double p = v.getPercentileLevelIteratedTo() / 100.0;
                double x = p >= 1 ? xMax : Math.min(xMax, Math.log10(1 / (1 - p)));
                double ms = v.getValueIteratedTo() / 1000.0;
                points.add(new double[] {LEFT + plotW * x / xMax, yOf.applyAsDouble(ms)});
                if (p >= 1) {
                    break;
                }
            }
            c.polyline(points, color, 2, s.dashed());
            double ly = TOP + 10 + i * 20;
            c.line(LEFT + plotW + 14, ly, LEFT + plotW + 40, ly, color, 2, s.dashed());
            c.text(LEFT + plotW + 46, ly + 4, s.name(), 11, "start", "#000000", false);
        }
    }

    private static String percentileLabel(int k) {
        if (k == 0) {
            return "0%";
        }
        return new java.math.BigDecimal(100).subtract(new java.math.BigDecimal(100).movePointLeft(k))
                .stripTrailingZeros().toPlainString() + "%";
    }

    static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String trim(double v) {
        String text = String.format(Locale.ROOT, "%.3f", v);
        return text.contains(".") ? text.replaceFirst("\\.?0+$", "") : text;
    }

    // ------------------------------------------------------------------ back ends

    private interface Canvas {
        void rect(double x, double y, double w, double h, String fill);

        void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed);

        void polyline(List<double[]> points, String color, double width, boolean dashed);

        void text(double x, double y, String text, int size, String anchor, String color, boolean vertical);

        void save(Path file) throws IOException;
    }

    private static final class SvgCanvas implements Canvas {
        private final StringBuilder svg = new StringBuilder();

        SvgCanvas() {
            svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                    + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        }

        @Override
        public void rect(double x, double y, double w, double h, String fill) {
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n", x, y, w, h, fill));
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed) {
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
                    + " stroke-width=\"%.1f\"%s/>%n", x1, y1, x2, y2, color, width,
                    dashed ? " stroke-dasharray=\"6 4\"" : ""));
        }

        @Override
        public void polyline(List<double[]> points, String color, double width, boolean dashed) {
            svg.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"")
                    .append(width).append('"').append(dashed ? " stroke-dasharray=\"6 4\"" : "").append(" points=\"");
            for (double[] p : points) {
                svg.append(String.format(Locale.ROOT, "%.1f,%.1f ", p[0], p[1]));
            }
            svg.append("\"/>\n");
        }

        @Override
        public void text(double x, double y, String text, int size, String anchor, String color, boolean vertical) {
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\""
                    + " fill=\"%s\"%s>", x, y, size, anchor, color,
                    vertical ? String.format(Locale.ROOT, " transform=\"rotate(-90 %.1f %.1f)\"", x, y) : ""));
            svg.append(escape(text)).append("</text>\n");
        }

        @Override
        public void save(Path file) throws IOException {
            Files.writeString(file, svg + "</svg>\n", StandardCharsets.UTF_8);
        }

        static String escape(String text) {
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }
    }

    private static final class PngCanvas implements Canvas {
        private final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        private final Graphics2D g = image.createGraphics();

        PngCanvas() {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        }

        private void stroke(String color, double width, boolean dashed) {
            g.setColor(Color.decode(color));
            g.setStroke(dashed ? new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10,
                    new float[] {6, 4}, 0) : new BasicStroke((float) width));
        }

        @Override
        public void rect(double x, double y, double w, double h, String fill) {
            g.setColor(Color.decode(fill));
            g.fillRect((int) x, (int) y, (int) w, (int) h);
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed) {
            stroke(color, width, dashed);
            g.draw(new java.awt.geom.Line2D.Double(x1, y1, x2, y2));
        }

        @Override
        public void polyline(List<double[]> points, String color, double width, boolean dashed) {
            if (points.isEmpty()) {
                return;
            }
            stroke(color, width, dashed);
            Path2D.Double path = new Path2D.Double();
            path.moveTo(points.get(0)[0], points.get(0)[1]);
            for (double[] p : points.subList(1, points.size())) {
                path.lineTo(p[0], p[1]);
            }
            g.draw(path);
        }

        @Override
        public void text(double x, double y, String text, int size, String anchor, String color, boolean vertical) {
            g.setColor(Color.decode(color));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
            int w = g.getFontMetrics().stringWidth(text);
            double dx = switch (anchor) {
                case "middle" -> -w / 2.0;
                case "end" -> -w;
                default -> 0;
            };
            AffineTransform saved = g.getTransform();
            g.translate(x, y);
            if (vertical) {
                g.rotate(-Math.PI / 2);
            }
            g.drawString(text, (float) dx, 0f);
            g.setTransform(saved);
        }

        @Override
        public void save(Path file) throws IOException {
            g.dispose();
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("no PNG writer");
            }
        }
    }
}
