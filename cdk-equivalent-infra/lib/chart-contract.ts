/**
 * Settings of the Moodle chart (k8s/charts/moodle/values.yaml defaults) that
 * the load balancer this app makes for CloudFront must agree with, as the
 * chart's own Ingress would; test/edge.test.ts checks them against the chart.
 */
export const CHART_WEB = {
  /** web.containerPort */
  port: 8080,
  /** ingress.healthCheckPath (the liveness probe's path) */
  healthCheckPath: '/healthz',
  /** ingress.deregistrationDelaySeconds, below web.terminationGracePeriodSeconds */
  deregistrationDelaySeconds: 30,
  /** ingress.idleTimeoutSeconds */
  idleTimeoutSeconds: 120,
  /** The Kubernetes namespace and service account of the release (helm -n moodle, release moodle). */
  namespace: 'moodle',
  serviceAccount: 'moodle',
} as const;
