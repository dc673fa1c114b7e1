using MlCustomer.Api.Extensions;
using MlCustomer.Api.Workspace;

var builder = WebApplication.CreateBuilder(args);
builder.AddMlCustomerApi();
builder.AddMarketingWorkspace();

var app = builder.Build();
app.UseMlCustomerApi();
app.MapMlCustomerApi();
app.MapMarketingWorkspace();

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
