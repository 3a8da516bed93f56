using System.ComponentModel;
using System.Globalization;
using System.Reflection;

namespace StyleGrpc.Server.Settings;

/// <summary>
/// Reads a closed-choice setting from configuration: a member's name in any case or one of its
/// <see cref="AlsoAcceptedAttribute"/> spellings; empty means the default (the member valued 0). Anything else, numbers
/// included, is refused with the allowed values.
/// </summary>
public sealed class SettingChoiceConverter<TEnum> : TypeConverter
    where TEnum : struct, Enum
{
    private static readonly IReadOnlyList<(string Spelling, TEnum Value)> Spellings =
    [
        .. Enum.GetValues<TEnum>().Select(v => (v.ToString().ToLowerInvariant(), v)),
        .. typeof(TEnum).GetFields(BindingFlags.Public | BindingFlags.Static)
            .SelectMany(f => (f.GetCustomAttribute<AlsoAcceptedAttribute>()?.Spellings ?? []).Select(s => (s, (TEnum)f.GetValue(null)!))),
    ];

    /// <summary>The choices' names as written in configuration, e.g. <c>auto, float32, bfloat16</c>.</summary>
    public static string Allowed => string.Join(", ", Enum.GetValues<TEnum>().Select(v => v.ToString().ToLowerInvariant()));

    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string);

    public override object ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        var text = ((string)value).Trim();
        if (text.Length == 0)
        {
            return default(TEnum);
        }
        foreach (var (spelling, choice) in Spellings)
        {
            if (spelling.Equals(text, StringComparison.OrdinalIgnoreCase))
            {
                return choice;
            }
        }
        throw new FormatException($"'{text}' is not one of {Allowed}.");
    }
}
