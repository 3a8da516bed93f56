extern alias server;

using System.Reflection;
using server::StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Tests;

/// <summary>The appsettings.json that ships with the server says what the documented defaults say.</summary>
public sealed class AppSettingsTests
{
    [Fact]
    public void ShippedAppSettings_AgreeWithTheOptionsDefaults()
    {
        var path = Path.Combine(TestData.RepositoryRoot, "src", "StyleGrpc.Server", "appsettings.json");
        var shipped = new ConfigurationBuilder().AddJsonFile(path).Build().GetSection(StyleGrpcServerOptions.Section);
        var defaults = new StyleGrpcServerOptions();
        var bound = shipped.Get<StyleGrpcServerOptions>()!;
        var checkedKeys = 0;
        foreach (var property in typeof(StyleGrpcServerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (shipped.GetSection(property.Name).Value is not null)
            {
                // An empty string in JSON means "not set", as null does.
                static object? Normalise(object? value) => value is "" ? null : value;
                Assert.True(Equals(Normalise(property.GetValue(defaults)), Normalise(property.GetValue(bound))),
                    $"appsettings.json sets StyleGrpc:{property.Name} = {property.GetValue(bound)}, the documented default is {property.GetValue(defaults)}");
                checkedKeys++;
            }
        }
        Assert.Equal(defaults.Http.Url, bound.Http.Url);
        Assert.Equal(defaults.Metrics.Url, bound.Metrics.Url);
        Assert.True(checkedKeys >= 20, $"only {checkedKeys} settings checked");
        var validation = new StyleGrpcServerOptionsValidator().Validate(null, bound);
        Assert.True(validation.Succeeded, validation.FailureMessage);
    }
}
