import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { CONFIGS, profile, template } from './helpers';
import { admitsOnlyCluster } from './security-groups';

for (const config of CONFIGS) {
  describe(`RDS PostgreSQL (${config})`, () => {
    const t = template(config);
    const p = profile(config);

    it('is Multi-AZ, encrypted with its own key, in the data subnets', () => {
      t.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        EngineVersion: p.database.engineVersion,
        DBInstanceClass: `db.${p.database.instanceType}`,
        MultiAZ: true,
        StorageEncrypted: true,
        KmsKeyId: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }),
        DBName: p.database.databaseName,
        BackupRetentionPeriod: p.database.backupRetentionDays,
      });
    });

    it('has credentials generated in Secrets Manager', () => {
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ SecretStringTemplate: JSON.stringify({ username: p.database.username }), GenerateStringKey: 'password' }),
      });
      const [db] = Object.values(t.findResources('AWS::RDS::DBInstance')) as any[];
      assert.match(JSON.stringify(db.Properties.MasterUserPassword), /resolve:secretsmanager/);
    });

    it('forces TLS through its parameter group', () => {
      t.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
    });

    it(`has deletion protection ${p.production ? 'on' : 'off'}`, () => {
      t.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: p.production });
      t.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: p.production ? 'Snapshot' : 'Delete' });
    });

    it('admits only the EKS cluster on 5432', () => {
      admitsOnlyCluster(t, 'Moodle PostgreSQL: admits the EKS cluster only', 5432);
    });
  });
}
