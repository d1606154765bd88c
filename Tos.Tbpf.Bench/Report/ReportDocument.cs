using System.Net;
using System.Text;

namespace Tos.Tbpf.Bench.Report;

/// <summary>A report as a list of blocks, rendered the same way to Markdown and to HTML so the two never disagree.</summary>
public sealed class ReportDocument
{
    private readonly List<Block> _blocks = [];

    public ReportDocument Heading(int level, string text) => Add(new HeadingBlock(level, text));

    public ReportDocument Paragraph(string text) => Add(new ParagraphBlock(text));

    public ReportDocument Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        Add(new TableBlock(header, rows.ToList()));

    /// <summary>A chart; <paramref name="file"/> is relative to the report.</summary>
    public ReportDocument Image(string file, string alt) => Add(new ImageBlock(file, alt));

    public string ToMarkdown(string imagePrefix = "")
    {
        var text = new StringBuilder();
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    text.Append('#', heading.Level).Append(' ').AppendLine(heading.Text).AppendLine();
                    break;
                case ParagraphBlock paragraph:
                    text.AppendLine(paragraph.Text).AppendLine();
                    break;
                case TableBlock table:
                    text.AppendLine("| " + string.Join(" | ", table.Header) + " |");
                    text.AppendLine("|" + string.Join("|", table.Header.Select((_, i) => i == 0 ? "---" : "---:")) + "|");
                    foreach (var row in table.Rows)
                    {
                        text.AppendLine("| " + string.Join(" | ", row) + " |");
                    }

                    text.AppendLine();
                    break;
                case ImageBlock image:
                    text.AppendLine($"![{image.Alt}]({imagePrefix}{image.File})").AppendLine();
                    break;
            }
        }

        return text.ToString();
    }

    public string ToHtml(string title)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .AppendLine($"<title>{Encode(title)}</title>")
            .AppendLine("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
                + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}"
                + "td:not(:first-child){text-align:right}th{background:#f4f4f4}img{max-width:100%}</style>")
            .AppendLine("</head><body>");
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    html.AppendLine($"<h{heading.Level}>{Encode(heading.Text)}</h{heading.Level}>");
                    break;
                case ParagraphBlock paragraph:
                    html.AppendLine($"<p>{Inline(paragraph.Text)}</p>");
                    break;
                case TableBlock table:
                    html.Append("<table><tr>").Append(string.Concat(table.Header.Select(h => $"<th>{Inline(h)}</th>"))).AppendLine("</tr>");
                    foreach (var row in table.Rows)
                    {
                        html.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{Inline(c)}</td>"))).AppendLine("</tr>");
                    }

                    html.AppendLine("</table>");
                    break;
                case ImageBlock image:
                    html.AppendLine($"<p><img src=\"{Encode(image.File)}\" alt=\"{Encode(image.Alt)}\"></p>");
                    break;
            }
        }

        return html.AppendLine("</body></html>").ToString();
    }

    private ReportDocument Add(Block block)
    {
        _blocks.Add(block);
        return this;
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    // The report's Markdown uses only **bold** and `code` inline; HTML gets the same emphasis.
    private static string Inline(string text)
    {
        var encoded = Encode(text);
        encoded = System.Text.RegularExpressions.Regex.Replace(encoded, @"\*\*(.+?)\*\*", "<b>$1</b>");
        return System.Text.RegularExpressions.Regex.Replace(encoded, "`(.+?)`", "<code>$1</code>");
    }

    private abstract record Block;

    private sealed record HeadingBlock(int Level, string Text) : Block;

    private sealed record ParagraphBlock(string Text) : Block;

    private sealed record TableBlock(IReadOnlyList<string> Header, List<IReadOnlyList<string>> Rows) : Block;

    private sealed record ImageBlock(string File, string Alt) : Block;
}
