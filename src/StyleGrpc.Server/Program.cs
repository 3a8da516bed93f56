using Microsoft.Extensions.Options;
using StyleGrpc.Server.Hosting;

// appsettings.json ships next to the binary; data and models folders resolve against the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddStyleTransferKeysFile();
builder.Services.AddStyleTransfer(builder.Configuration);

try
{
    var app = builder.Build();
    app.MapStyleTransfer();
    app.Run();
    return 0;
}
catch (OptionsValidationException ex)
{
    // A bad setting is the operator's to fix: each one named on its own line, no stack trace, a failing exit code.
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine($"stylegrpc: invalid setting: {failure}");
    }
    return 1;
}
