using StyleGrpc.Server.Hosting;

// appsettings.json ships next to the binary; data and models folders resolve against the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddStyleTransfer(builder.Configuration);

var app = builder.Build();
app.MapStyleTransfer();
app.Run();
