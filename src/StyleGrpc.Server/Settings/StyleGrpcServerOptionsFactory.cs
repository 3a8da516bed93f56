using Microsoft.Extensions.Options;

namespace StyleGrpc.Server.Settings;

/// <summary>
/// Creates <see cref="StyleGrpcServerOptions"/> like the default factory (bind, then validate), except that a value the
/// configuration binder cannot convert (<c>bf17</c> for <c>StyleGrpc:Precision</c>, <c>ten</c> for a number) fails as an
/// invalid setting, like any other: an <see cref="OptionsValidationException"/> naming the setting and what it allows (and,
/// for a reload of the access settings, logged: nobody else reports it).
/// </summary>
public sealed class StyleGrpcServerOptionsFactory(
    IEnumerable<IConfigureOptions<StyleGrpcServerOptions>> setups,
    IEnumerable<IPostConfigureOptions<StyleGrpcServerOptions>> postConfigures,
    IEnumerable<IValidateOptions<StyleGrpcServerOptions>> validations,
    ILogger<StyleGrpcServerOptionsFactory> logger) : IOptionsFactory<StyleGrpcServerOptions>
{
    private readonly OptionsFactory<StyleGrpcServerOptions> inner = new(setups, postConfigures, validations);

    public StyleGrpcServerOptions Create(string name)
    {
        try
        {
            return inner.Create(name);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is not null)
        {
            // The binder's message names the setting ("... at 'StyleGrpc:Precision' ..."); the converter's lists what it allows.
            var failure = $"{ex.Message} {ex.InnerException.Message}";
            if (name == Access.AccessMonitor.OptionsName)
            {
                // A reload: the options monitor drops this exception, and AccessMonitor keeps the last good settings; say why here.
                Observability.ServerLog.AccessReloadRefused(logger, failure);
            }
            throw new OptionsValidationException(name, typeof(StyleGrpcServerOptions), [failure]);
        }
    }
}
