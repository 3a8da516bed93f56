using System.Globalization;
using System.Text;

namespace StyleGrpc.Bench;

/// <summary>
/// A small SVG line chart for docs/performance.md: milliseconds per call against the queue's length (log scale), one line
/// per call. Written by hand: three lines of a few points need no plotting library.
/// </summary>
internal static class LatencyPlot
{
    private const int Width = 640, Height = 360, Left = 60, Right = 150, Top = 20, Bottom = 50;
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    public static string Svg(string title, IReadOnlyList<int> queued, IReadOnlyList<(string Name, IReadOnlyList<double> Ms)> series)
    {
        var maxMs = Math.Max(1, series.SelectMany(s => s.Ms).Max() * 1.1);
        var (minX, maxX) = (Math.Log10(queued.Min()), Math.Log10(Math.Max(queued.Max(), queued.Min() * 10)));
        double X(int n) => Left + (Math.Log10(n) - minX) / (maxX - minX) * (Width - Left - Right);
        double Y(double ms) => Height - Bottom - ms / maxMs * (Height - Top - Bottom);
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        var svg = new StringBuilder();
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.AppendLine($"<text x=\"{Left}\" y=\"14\" font-weight=\"bold\">{title}</text>");
        svg.AppendLine($"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>");
        svg.AppendLine($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>");
        foreach (var n in queued)
        {
            svg.AppendLine($"<text x=\"{F(X(n))}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{n.ToString("N0", CultureInfo.InvariantCulture)}</text>");
        }
        svg.AppendLine($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">jobs queued (log scale)</text>");
        for (var i = 0; i <= 4; i++)
        {
            var ms = maxMs * i / 4;
            svg.AppendLine($"<text x=\"{Left - 6}\" y=\"{F(Y(ms) + 4)}\" text-anchor=\"end\">{F(ms)}</text>");
            svg.AppendLine($"<line x1=\"{Left}\" y1=\"{F(Y(ms))}\" x2=\"{Width - Right}\" y2=\"{F(Y(ms))}\" stroke=\"#ddd\"/>");
        }
        svg.AppendLine($"<text x=\"14\" y=\"{(Top + Height - Bottom) / 2}\" transform=\"rotate(-90 14 {(Top + Height - Bottom) / 2})\" text-anchor=\"middle\">ms per call (median)</text>");
        for (var s = 0; s < series.Count; s++)
        {
            var colour = Colours[s % Colours.Length];
            var points = string.Join(' ', queued.Select((n, i) => $"{F(X(n))},{F(Y(series[s].Ms[i]))}"));
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"/>");
            foreach (var (n, i) in queued.Select((n, i) => (n, i)))
            {
                svg.AppendLine($"<circle cx=\"{F(X(n))}\" cy=\"{F(Y(series[s].Ms[i]))}\" r=\"3\" fill=\"{colour}\"/>");
            }
            svg.AppendLine($"<text x=\"{Width - Right + 10}\" y=\"{Top + 16 + s * 18}\" fill=\"{colour}\">{series[s].Name}</text>");
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
