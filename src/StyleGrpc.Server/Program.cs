using StyleGrpc.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddStyleTransfer(builder.Configuration);

var app = builder.Build();
app.MapStyleTransfer();
app.Run();

/// <summary>Entry point; public so integration tests can host it.</summary>
public partial class Program;
