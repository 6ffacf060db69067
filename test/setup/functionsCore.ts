// Every test process gets the stand-in for the host-injected module, so loading a function module
// registers its functions (captured in `registrations`) instead of switching @azure/functions to test mode.
jest.mock(
  '@azure/functions-core',
  () =>
    jest.requireActual<{ functionsCoreStandIn: unknown }>('../../dev/host/functionsCoreStandIn')
      .functionsCoreStandIn,
  { virtual: true },
);
