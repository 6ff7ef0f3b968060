import { type DiagLogger, DiagLogLevel, diag, type TracerProvider } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { type OptionRule, rules, WirescopeConfigError } from './config-error.js';
import {
  ConnectionInstrumentation,
  type ConnectionInstrumentationConfig,
  METER_PROVIDER_RULE,
} from './connection-instrumentation.js';
import { createGuard } from './guard.js';

const RULES: Record<keyof ConnectionInstrumentationConfig, OptionRule> = {
  enabled: rules.boolean(true),
  recordOnActiveSpan: rules.boolean(true),
  bodyGracePeriodMs: rules.milliseconds(0, 'grace'),
  meterProvider: METER_PROVIDER_RULE,
};

interface ToyConsumer {
  readonly instance: Toy;
}

/** A connection instrumentation whose registry is an array. */
class Toy extends ConnectionInstrumentation<ConnectionInstrumentationConfig, ToyConsumer> {
  static registry: ToyConsumer[] = [];
  static leaveFails = false;
  constructor(config?: ConnectionInstrumentationConfig | null) {
    super('@wirescope/toy', '9.9.9', createGuard('@wirescope/toy', 'the toy goes on'), RULES, config);
  }
  protected createConsumer(): ToyConsumer {
    return { instance: this };
  }
  protected join(consumer: ToyConsumer): void {
    Toy.registry.push(consumer);
  }
  protected leave(consumer: ToyConsumer): void {
    if (Toy.leaveFails) throw new Error('registry gone');
    Toy.registry.splice(Toy.registry.indexOf(consumer), 1);
  }
  tracerForTest() {
    return this.tracer();
  }
}

afterEach(() => {
  Toy.registry = [];
  Toy.leaveFails = false;
  diag.disable();
});

describe('ConnectionInstrumentation', () => {
  it('enables on construction unless enabled: false; enable and disable are idempotent, one consumer throughout', () => {
    const on = new Toy();
    expect(Toy.registry).toHaveLength(1);
    on.enable();
    expect(Toy.registry).toHaveLength(1);
    const consumer = Toy.registry[0];
    on.disable();
    on.disable();
    expect(Toy.registry).toEqual([]);
    on.enable();
    expect(Toy.registry).toEqual([consumer]);
    const off = new Toy({ enabled: false });
    expect(Toy.registry).toHaveLength(1);
    off.enable();
    expect(Toy.registry.map((c) => c.instance)).toEqual([on, off]);
  });

  it('a bad option throws at construction and in setConfig (which keeps the old config); null is none', () => {
    expect(() => new Toy({ enabled: 'yes' } as never)).toThrow(WirescopeConfigError);
    expect(Toy.registry).toEqual([]);
    const toy = new Toy(null);
    expect(toy.getConfig()).toEqual({ enabled: true, recordOnActiveSpan: true });
    toy.setConfig({ recordOnActiveSpan: false, bodyGracePeriodMs: 100 });
    expect(() => toy.setConfig({ bodyGracePeriodMs: -1 })).toThrow(/bodyGracePeriodMs/);
    expect(toy.getConfig()).toEqual({ enabled: true, recordOnActiveSpan: false, bodyGracePeriodMs: 100 });
    expect(toy.instrumentationName).toBe('@wirescope/toy');
    expect(toy.instrumentationVersion).toBe('9.9.9');
  });

  it('disable never throws: a failing leave is logged through the component logger', () => {
    const logged: string[] = [];
    const record = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record };
    diag.setLogger(logger, DiagLogLevel.WARN);
    const toy = new Toy();
    Toy.leaveFails = true;
    expect(() => toy.disable()).not.toThrow();
    expect(logged).toEqual(['@wirescope/toy disabling failed; the toy goes on Error: registry gone']);
  });

  it('the tracer comes from setTracerProvider, named after the instrumentation', () => {
    const toy = new Toy();
    const asked: unknown[][] = [];
    const provider = new BasicTracerProvider();
    const spy: TracerProvider = {
      getTracer: (...args: Parameters<TracerProvider['getTracer']>) => {
        asked.push(args);
        return provider.getTracer(...args);
      },
    };
    toy.setTracerProvider(spy);
    const tracer = toy.tracerForTest();
    expect(toy.tracerForTest()).toBe(tracer);
    expect(asked).toEqual([['@wirescope/toy', '9.9.9']]);
  });
});
