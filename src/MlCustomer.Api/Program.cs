using MlCustomer.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddMlCustomerApi();

var app = builder.Build();
app.UseMlCustomerApi();
app.MapMlCustomerApi();

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
