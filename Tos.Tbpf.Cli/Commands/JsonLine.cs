using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tos.Tbpf.Cli.Commands;

/// <summary>Writes one compact JSON object on one line.</summary>
internal static class JsonLine
{
    public static string Write(Action<Utf8JsonWriter> fields)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
